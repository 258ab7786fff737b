"""Facts read from a synthesized CloudFormation template and its cdk.out, in one place.

The emulator's template reader and the preflight lint rules both read templates through
these; neither restates how a Ref is followed or where CDK put a function's code.
"""
from pathlib import Path

from edge_persist.contract import HOME_REGION
from edge_persist import errors
from edge_persist.errors import UsageError


def as_dict(value):
    """A template value where a mapping is expected; anything else (an intrinsic function's
    list, a string) reads as empty, so that a rule never crashes on a valid template."""
    return value if isinstance(value, dict) else {}


def properties(resource):
    return as_dict(as_dict(resource).get("Properties"))


def resources(template, type_name):
    return {k: v for k, v in as_dict(template.get("Resources")).items()
            if isinstance(v, dict) and v.get("Type") == type_name}


def logical_id(value):
    """The resource a {"Ref": X} or {"Fn::GetAtt": [X, ...]} points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            found = value["Ref"]
        elif "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            found = att[0] if isinstance(att, list) and att else str(att).split(".")[0]
        else:
            return None
        return found if isinstance(found, str) else None
    return None


def number(value, low, high, what, kind=float):
    """A template's number (a number, or a string of one) within [low, high]; ValueError,
    naming `what`, for anything else: not a number, NaN, an infinity, out of range."""
    try:
        found = kind(float(value)) if kind is int and isinstance(value, str) else kind(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a number from {low} to {high}, not {value!r}") \
            from None
    if not low <= found <= high:  # NaN compares false: refused too
        raise ValueError(f"{what} must be a number from {low} to {high}, not {value!r}")
    return found


def referenced_ids(value):
    """Every logical id a Ref or GetAtt anywhere inside `value` points at, in order."""
    found = []
    if isinstance(value, dict):
        target = logical_id(value)
        if target:
            found.append(target)
        for inner in value.values():
            found += referenced_ids(inner)
    elif isinstance(value, list):
        for inner in value:
            found += referenced_ids(inner)
    return found


def cyclic_conditions(conditions):
    """The names of the Conditions that name themselves through others (`Condition: B` in A,
    `Condition: A` in B): CloudFormation refuses such a template, and no evaluator may
    follow one."""
    conditions = as_dict(conditions)

    def named(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Condition" and isinstance(value, str):
                    yield value
                else:
                    yield from named(value)
        elif isinstance(node, list):
            for item in node:
                yield from named(item)

    def reaches(start, target):
        seen, todo = set(), list(named(conditions.get(start)))
        while todo:
            name = todo.pop()
            if name == target:
                return True
            if name not in seen:
                seen.add(name)
                todo += named(conditions.get(name))
        return False
    return sorted(name for name in conditions if reaches(name, name))


def read_json(path):
    """A cdk.out file, parsed; a broken one is one UsageError line naming it."""
    return errors.read_json(path, "run `cdk synth` again")


def stacks(cdk_out):
    """(stack name, template path, region) for every stack in a cloud assembly."""
    manifest = Path(cdk_out) / "manifest.json"
    if not manifest.is_file():
        raise UsageError(f"{manifest} not found: run `cdk synth` first")
    document = read_json(manifest)
    artifacts = document.get("artifacts") if isinstance(document, dict) else None
    for name, artifact in (artifacts if isinstance(artifacts, dict) else {}).items():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = as_dict(artifact.get("properties")).get("templateFile")
        environment = artifact.get("environment")
        if not isinstance(template, str) or not isinstance(environment, (str, type(None))):
            raise UsageError(f"{manifest}: the stack artifact {name} has no templateFile in its "
                             "properties: run `cdk synth` again")
        region = (environment or "").rsplit("/", 1)[-1]
        yield (name, Path(cdk_out) / template,
               HOME_REGION if not region or region.startswith("unknown") else region)


def _assets_manifest(template_path):
    """<stack>.assets.json beside a CDK <stack>.template.json; None for any other template (a
    hand-written one, YAML, SAM): it has no cdk.out assets to read."""
    name = Path(template_path).name if template_path else ""
    if not name.endswith(".template.json"):
        return None
    assets = Path(template_path).with_name(name.replace(".template.json", ".assets.json"))
    return assets if assets.is_file() else None


def asset_folder(template_path, function):
    """The code folder of a function resource, when its template sits in cdk.out with assets."""
    if not template_path:
        return None
    out = Path(template_path).resolve().parent
    metadata = as_dict(function.get("Metadata")).get("aws:asset:path")
    if isinstance(metadata, str) and (out / metadata).is_dir():
        return out / metadata
    key = as_dict(properties(function).get("Code")).get("S3Key")
    assets = _assets_manifest(template_path)
    if isinstance(key, str) and assets is not None:
        spec = as_dict(as_dict(read_json(assets).get("files")).get(key.removesuffix(".zip")))
        source = as_dict(spec.get("source")).get("path")
        if isinstance(source, str) and (out / source).is_dir():
            return out / source
    return None


def asset_sources(template_path):
    """file asset hash -> its path inside cdk.out, from <stack>.assets.json; {} for a
    template that is not a CDK output."""
    assets = _assets_manifest(template_path)
    if assets is None:
        return {}
    files = as_dict(as_dict(read_json(assets)).get("files"))
    return {h: Path(as_dict(spec.get("source"))["path"]) for h, spec in files.items()
            if isinstance(spec, dict) and isinstance(as_dict(spec.get("source")).get("path"), str)}
