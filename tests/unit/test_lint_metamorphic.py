"""The lint rules generalise: rewrites of every corpus template that cannot change its
meaning leave every verdict as it was, and rewrites that break a deploy change one.

Meaning-preserving rewrites (hypothesis picks where): a literal written as Fn::Sub with no
variable or as Fn::Join of its parts; a value wrapped in an Fn::If whose two branches are
equal; a literal moved into a parameter's default; a number written as a string; every
resource renamed; the template as YAML instead of JSON. Breaking rewrites: $LATEST or an alias
where a version was, the region changed inside a version ARN, arm64 added to the function.
"""
import copy
import importlib.util
import json
import re

import pytest
import yaml
from cfnlint.decode import decode_str
from cfnlint.template import Template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_persist import preflight
from tests.unit.test_lint_corpus import AS_OF, EXPECTED, corpus_files, name_of

# Every rule file of the pack, as cfn-lint --append-rules finds them.
RULE_FILES = sorted(p.name for p in preflight.RULES_DIR.glob("[A-Za-z1-9]*.py"))
INTRINSIC = re.compile(r"^(Ref|Condition|Fn::\w+)$")
# Values CloudFormation or SAM read before any intrinsic is resolved.
LITERAL_ONLY = {"Type", "Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy",
                "AutoPublishAlias", "FunctionCode", "InlineCode", "ZipFile"}


def _rule_classes():
    found = []
    for name in RULE_FILES:
        spec = importlib.util.spec_from_file_location(f"meta_{name[:-3]}",
                                                      preflight.RULES_DIR / name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found += [c for c in vars(module).values() if isinstance(c, type)
                  and issubclass(c, preflight.EdgeRule) and c is not preflight.EdgeRule]
    return found


RULES = _rule_classes()


def verdicts(data, region):
    """The ids of the rules that fire (W9100 included: a crash is a verdict too)."""
    cfn = Template("template.yaml", data, [region])
    fired = set()
    for rule in RULES:
        for match in rule().match(cfn):
            fired.add(getattr(getattr(match, "rule", None), "id", None) or rule.id)
    return fired


def load(path):
    data, problems = decode_str(path.read_text())
    assert not problems, problems
    return json.loads(json.dumps(data))  # plain dicts and lists, no cfn-lint node types


CASES = {name_of(path): load(path) for path in corpus_files()}


def region_of(name):
    return EXPECTED[name].get("region", "us-east-1")


@pytest.fixture(autouse=True)
def _pinned_day(monkeypatch):
    monkeypatch.setenv(preflight.AS_OF_ENV, AS_OF)


# --- where a rewrite may go -------------------------------------------------------------------

def literal_paths(node, path=()):
    """Paths of the literal scalars under the resources' Properties that no intrinsic
    function holds (an intrinsic's own arguments must stay as they are)."""
    if isinstance(node, dict):
        if len(node) == 1 and INTRINSIC.match(next(iter(node))):
            return []
        found = []
        for key, value in node.items():
            if key not in LITERAL_ONLY:
                found += literal_paths(value, path + (key,))
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in literal_paths(item, path + (i,))]
    return [path] if isinstance(node, (str, int, float)) and not isinstance(node, bool) else []


def value_paths(data):
    return [("Resources", rid, "Properties") + p
            for rid, resource in data.get("Resources", {}).items()
            for p in literal_paths(resource.get("Properties", {}))]


def get(data, path):
    for key in path:
        data = data[key]
    return data


def put(data, path, value):
    get(data, path[:-1])[path[-1]] = value


# --- meaning-preserving rewrites ------------------------------------------------------------

def as_sub(data, path, _draw):
    value = get(data, path)
    if isinstance(value, str) and "${" not in value:
        put(data, path, {"Fn::Sub": value})


def as_join(data, path, draw):
    value = get(data, path)
    if isinstance(value, str) and len(value) > 1:
        cut = draw(st.integers(1, len(value) - 1))
        put(data, path, {"Fn::Join": ["", [value[:cut], value[cut:]]]})


def as_equal_if(data, path, _draw):
    data.setdefault("Conditions", {})["MetaChoice"] = {"Fn::Equals": ["a", "b"]}
    value = get(data, path)
    put(data, path, {"Fn::If": ["MetaChoice", copy.deepcopy(value), copy.deepcopy(value)]})


def as_parameter_default(data, path, _draw):
    value = get(data, path)
    if value == "":
        return  # an empty default reads as "not set"
    name = f"MetaP{len(data.get('Parameters', {}))}"
    kind = "Number" if isinstance(value, (int, float)) else "String"
    data.setdefault("Parameters", {})[name] = {"Type": kind, "Default": value}
    put(data, path, {"Ref": name})


def as_string(data, path, _draw):
    value = get(data, path)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        put(data, path, str(value))


REWRITES = [as_sub, as_join, as_equal_if, as_parameter_default, as_string]


def renamed(data):
    """Every resource renamed, every reference to it too (Ref, GetAtt, Sub, DependsOn)."""
    names = {rid: f"Renamed{i}X" for i, rid in enumerate(data.get("Resources", {}))}
    text = json.dumps(data)
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf'(?<=["{{.\\s])({re.escape(old)})(?=[".}}:])', new, text)
    result = json.loads(text)
    result["Resources"] = {names.get(k, k): v for k, v in result["Resources"].items()}
    return result


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_rewrite_that_keeps_the_meaning_keeps_every_verdict(name, data):
    original = CASES[name]
    paths = value_paths(original)
    rewritten = copy.deepcopy(original)
    for _ in range(data.draw(st.integers(1, 3))):
        if not paths:
            break
        rewrite = data.draw(st.sampled_from(REWRITES))
        rewrite(rewritten, data.draw(st.sampled_from(paths)), data.draw)
        paths = value_paths(rewritten)
    assert verdicts(rewritten, region_of(name)) == verdicts(original, region_of(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_renaming_every_resource_keeps_every_verdict(name):
    original = CASES[name]
    assert verdicts(renamed(original), region_of(name)) == verdicts(original, region_of(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_yaml_and_json_give_the_same_verdicts(name):
    original = CASES[name]
    as_yaml, problems = decode_str(yaml.safe_dump(original))
    assert not problems
    assert verdicts(json.loads(json.dumps(as_yaml)), region_of(name)) == \
        verdicts(original, region_of(name))


# --- breaking rewrites ------------------------------------------------------------------------

def associations(data):
    """Every LambdaFunctionAssociation item, wherever it sits."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "LambdaFunctionAssociations" and isinstance(value, list):
                    found.extend(v for v in value if isinstance(v, dict))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(data.get("Resources", {}))
    return found


def with_associations(names=sorted(CASES)):
    return [n for n in names if associations(CASES[n])]


@pytest.mark.parametrize("name", with_associations())
@pytest.mark.parametrize("arn, rule", [
    ("arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST", "E9102"),
    ("arn:aws:lambda:us-east-1:123456789012:function:fn:live", "E9102"),
    ("arn:aws:lambda:eu-central-1:123456789012:function:fn:3", "E9101"),
])
def test_a_broken_arn_is_caught(name, arn, rule):
    broken = copy.deepcopy(CASES[name])
    associations(broken)[0]["LambdaFunctionARN"] = arn
    assert rule in verdicts(broken, region_of(name))


def traced_functions(data):
    """Logical ids of the functions whose versions the distributions use."""
    from edge_persist.cfn_values import Values
    return {u.function_id for u in preflight.edge_uses(Values(data)) if u.function_id}


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if traced_functions(CASES[n])])
def test_arm64_added_to_an_edge_function_is_caught(name):
    broken = copy.deepcopy(CASES[name])
    for function_id in traced_functions(broken):
        broken["Resources"][function_id]["Properties"]["Architectures"] = ["arm64"]
    assert "E9103" in verdicts(broken, region_of(name))


def test_a_rule_that_meets_the_unexpected_warns_instead_of_crashing(monkeypatch):
    rule = next(r for r in RULES if r.id == "E9104")
    data = CASES["sam_globals_runtime.yaml"]

    def broken(self, cfn, values):
        self.reading = "ViewerAuth"
        raise KeyError("surprise")
        yield  # a generator, as every check is
    monkeypatch.setattr(rule, "check", broken)
    (match,) = rule().match(Template("t.yaml", data, ["us-east-1"]))
    assert match.rule.id == "W9100"
    assert "E9104 could not check ViewerAuth" in match.message
