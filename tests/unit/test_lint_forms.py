"""The lint rules read a function the same whatever form the template gives it.

Metamorphic: one template with one Lambda@Edge function, each of a list of deploy mistakes
applied to it (and none), written three more ways that deploy the same thing:
- across stacks as CDK's EdgeFunction writes it: the function and its version in a us-east-1
  stack that puts the version's ARN in an SSM parameter, the distribution in an eu-west-1
  stack that reads it with Custom::CrossRegionStringParameterReader (a cloud assembly on disk);
- across stacks through an export and Fn::ImportValue;
- as SAM: an AWS::Serverless::Function with AutoPublishAlias and `!Ref Fn.Version`, its
  settings in Globals.Function.
Every form must get the verdicts of the original, and each mistake must be found in each.
"""
import copy
import json

import pytest
from cfnlint.template import Template

from edge_persist import preflight
from tests.unit.test_lint_corpus import AS_OF
from tests.unit.test_lint_metamorphic import RULES
from tests.unit.test_lint_rules import association, fn, template

EDGE_PARAMETER = "/cdk/EdgeFunctionArn/eu-west-1/Dist/Fn"

MISTAKES = {
    "none": lambda r: None,
    "environment": lambda r: fn(r).update(Environment={"Variables": {"K": "v"}}),
    "layers": lambda r: fn(r).update(Layers=["arn:aws:lambda:us-east-1:123456789012:layer:l:1"]),
    "arm64": lambda r: fn(r).update(Architectures=["arm64"]),
    "timeout": lambda r: fn(r).update(Timeout=10),
    "memory as text": lambda r: fn(r).update(MemorySize="256"),
    "old runtime": lambda r: fn(r).update(Runtime="nodejs8.10"),
    "deprecated runtime": lambda r: fn(r).update(Runtime="nodejs20.x"),
    "java": lambda r: fn(r).update(Runtime="java21"),
    "storage": lambda r: fn(r).update(EphemeralStorage={"Size": 2048}),
    "runtime management": lambda r: fn(r).update(
        RuntimeManagementConfig={"UpdateRuntimeOn": "Manual"}),
    "tracing": lambda r: fn(r).update(TracingConfig={"Mode": "Active"}),
    "role": lambda r: r["Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Principal"].update(Service=["lambda.amazonaws.com"]),
}


@pytest.fixture(autouse=True)
def _pinned_day(monkeypatch):
    monkeypatch.setenv(preflight.AS_OF_ENV, AS_OF)


def viewer(resources):
    association(resources)["EventType"] = "viewer-request"


def original(mistake):
    def edit(resources):
        viewer(resources)
        MISTAKES[mistake](resources)
    return template(edit)


def verdicts(data, region="us-east-1", filename=None):
    cfn = Template(filename, data, [region])
    return {getattr(getattr(m, "rule", None), "id", None) or rule.id
            for rule in RULES for m in rule().match(cfn)}


def write_assembly(folder, stacks):
    """A cloud assembly on disk: {stack name: (region, template)}."""
    folder.mkdir(parents=True, exist_ok=True)
    artifacts = {}
    for name, (region, data) in stacks.items():
        (folder / f"{name}.template.json").write_text(json.dumps(data))
        artifacts[name] = {"type": "aws:cloudformation:stack",
                           "environment": f"aws://123456789012/{region}",
                           "properties": {"templateFile": f"{name}.template.json"}}
    (folder / "manifest.json").write_text(json.dumps({"version": "48.0.0",
                                                      "artifacts": artifacts}))


def split(data, tmp_path, how):
    """`data` as two stacks of one assembly: the edge stack keeps every resource and hands
    the version's ARN on; the distribution stack reads it. Returns the distribution
    template's path."""
    edge = copy.deepcopy(data)
    dist = copy.deepcopy(data)
    arn = association(dist["Resources"])
    if how == "ssm":
        edge["Resources"]["EdgeArn"] = {"Type": "AWS::SSM::Parameter", "Properties": {
            "Type": "String", "Name": EDGE_PARAMETER, "Value": {"Ref": "Version"}}}
        dist["Resources"]["Reader"] = {
            "Type": "Custom::CrossRegionStringParameterReader",
            "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:x",
                           "Region": "us-east-1", "ParameterName": EDGE_PARAMETER}}
        arn["LambdaFunctionARN"] = {"Fn::GetAtt": ["Reader", "FunctionArn"]}
    else:
        edge["Outputs"] = {"EdgeVersion": {"Value": {"Ref": "Version"},
                                           "Export": {"Name": {"Fn::Sub": "${AWS::Region}-edge"}}}}
        arn["LambdaFunctionARN"] = {"Fn::ImportValue": "us-east-1-edge"}
    for name in ("Fn", "Version", "Role"):  # the function lives in the edge stack only
        del dist["Resources"][name]
    write_assembly(tmp_path, {"EdgeStack": ("us-east-1", edge), "DistStack": ("eu-west-1", dist)})
    return tmp_path / "DistStack.template.json", dist


def as_sam(data):
    """The function as SAM writes it: AutoPublishAlias, `!Ref Fn.Version`, and its runtime,
    memory and timeout in Globals."""
    data = copy.deepcopy(data)
    resources = data["Resources"]
    props = resources["Fn"]["Properties"]
    props["InlineCode"] = props.pop("Code")["ZipFile"]
    props["AutoPublishAlias"] = "live"
    data["Globals"] = {"Function": {k: props.pop(k) for k in ("Runtime", "MemorySize",
                                                               "Timeout") if k in props}}
    resources["Fn"]["Type"] = "AWS::Serverless::Function"
    del resources["Version"]
    association(resources)["LambdaFunctionARN"] = {"Ref": "Fn.Version"}
    data["Transform"] = "AWS::Serverless-2016-10-31"
    return data


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_every_mistake_is_found_in_every_form(mistake, tmp_path):
    data = original(mistake)
    expected = verdicts(data)
    assert bool(expected) == (mistake != "none")  # each mistake is a finding, and only they
    for how in ("ssm", "import"):
        path, dist = split(data, tmp_path / how, how)
        assert verdicts(dist, "eu-west-1", str(path)) == expected, how
    assert verdicts(as_sam(data)) == expected, "sam"


def test_a_cross_stack_finding_names_the_function_and_its_stack(tmp_path):
    from tests.unit.test_lint_rules import rules
    path, dist = split(original("timeout"), tmp_path, "ssm")
    (match,) = rules.EdgeLimits().match(Template(str(path), dist, ["eu-west-1"]))
    assert "Fn (stack EdgeStack) has a timeout of 10 s" in match.message
    assert match.path[:2] == ["Resources", "Dist"]  # the association, in this template


def test_without_its_assembly_a_reader_is_unknown_not_a_mistake():
    data = original("timeout")
    association(data["Resources"])["LambdaFunctionARN"] = {"Fn::GetAtt": ["Reader", "Arn"]}
    data["Resources"]["Reader"] = {"Type": "Custom::CrossRegionStringParameterReader",
                                   "Properties": {"ParameterName": EDGE_PARAMETER}}
    del data["Resources"]["Fn"], data["Resources"]["Version"]
    assert verdicts(data, "eu-west-1") == set()
