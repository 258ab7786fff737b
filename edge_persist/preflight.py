"""What the Lambda@Edge lint rules look at, read from any CloudFormation template.

The rules in edge_persist/lint_rules/ (loaded by `cfn-lint --append-rules`) call these
helpers; `python -m edge_persist.preflight [cdk.out]` runs cfn-lint with those rules on
every stack of a cloud assembly, in the stack's own region, before anything is deployed.
"""
import io
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from edge_persist import edge_rules
from edge_persist.cfn import as_dict, logical_id, properties, read_json, resources, stacks
from edge_persist.errors import OneLineParser, UsageError

RULES_DIR = Path(__file__).resolve().parent / "lint_rules"


NO_VALUE = {"Ref": "AWS::NoValue"}
CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
SAM_FUNCTION = "AWS::Serverless::Function"
SAM_VERSION = "AWS::Serverless::Function.Version"  # what `!Ref Fn.Version` names
FUNCTION_TYPES = ("AWS::Lambda::Function", SAM_FUNCTION)
FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:([^:]+)(?::([^:]+))?$")


@dataclass
class EdgeFunctionUse:
    """One LambdaFunctionAssociation of one cache behavior (one branch of any Fn::If)."""
    path: list            # where the association sits in the template
    event_type: object
    include_body: bool
    arn: object           # the LambdaFunctionARN value as written
    function_id: str = None   # logical id of the function (Lambda or SAM), when traced
    version_id: str = None    # logical id of the AWS::Lambda::Version, when referenced
    target_type: str = None   # the resource type the ARN points at, when in the template


def alternatives(value, path):
    """(value, path) for every branch an Fn::If can take; AWS::NoValue branches drop out.

    CloudFormation picks one branch at deploy time, and either may be the one: a rule must
    hold for both.
    """
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        branches = value["Fn::If"]
        if isinstance(branches, list) and len(branches) == 3:
            for i in (1, 2):
                yield from alternatives(branches[i], path + ["Fn::If", i])
        return
    if value != NO_VALUE:
        yield value, path


def list_items(value, path):
    """(item, path) of a list property that may be, or hold, Fn::If."""
    for items, where in alternatives(value, path):
        if isinstance(items, list):
            for i, item in enumerate(items):
                yield from alternatives(item, where + [i])


def literal_text(value):
    """The literal text of a string, Fn::Sub or Fn::Join: what no parameter can change."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            return text if isinstance(text, str) else ""
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 \
                and isinstance(arg[1], list):
            return str(arg[0]).join(literal_text(v) for v in arg[1])
    return ""


def _is_function(all_resources, logical):
    return as_dict(all_resources.get(logical)).get("Type") in FUNCTION_TYPES


def _referenced_function(resource, all_resources):
    """The one function a custom resource names (ServiceToken aside): the function whose
    version it publishes, as a code-update custom resource does."""
    found = {logical_id(v) for k, v in properties(resource).items() if k != "ServiceToken"}
    functions = [f for f in found if _is_function(all_resources, f)]
    return functions[0] if len(functions) == 1 else None


def _trace(use, all_resources):
    """Follow the ARN to its version, alias, custom resource and function, when it can.

    cfn-lint gives custom rules the template before the SAM transform, so SAM's own
    references are read here: `!Ref Fn.Version` is the version AutoPublishAlias publishes,
    `!Ref Fn.Alias` its alias.
    """
    target = logical_id(use.arn) or ""
    base, _, suffix = target.rpartition(".")
    if target not in all_resources and _is_function(all_resources, base) \
            and suffix in ("Version", "Alias"):
        use.target_type = SAM_VERSION if suffix == "Version" else "AWS::Lambda::Alias"
        use.function_id = base
        return
    resource = as_dict(all_resources.get(target))
    use.target_type = resource.get("Type")
    if use.target_type == "AWS::Lambda::Version":
        use.version_id = target
    if use.target_type in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        target = logical_id(properties(resource).get("FunctionName"))
    elif use.target_type and (use.target_type.startswith("Custom::")
                              or use.target_type == CUSTOM_RESOURCE):
        target = _referenced_function(resource, all_resources)
    if _is_function(all_resources, target):
        use.function_id = target


def function_properties(template, function_id):
    """A function's properties in AWS::Lambda::Function's names, SAM's Globals applied.

    So that every rule reads one shape: SAM's DeadLetterQueue and Tracing become
    DeadLetterConfig and TracingConfig.
    """
    resource = as_dict(as_dict(template.get("Resources")).get(function_id))
    props = properties(resource)
    if resource.get("Type") != SAM_FUNCTION:
        return props
    merged = {**as_dict(as_dict(template.get("Globals")).get("Function")), **props}
    if merged.get("DeadLetterQueue"):
        merged["DeadLetterConfig"] = merged["DeadLetterQueue"]
    if merged.get("Tracing") == "Active":
        merged["TracingConfig"] = {"Mode": "Active"}
    return merged


def edge_uses(template):
    """Every edge association of every distribution, each Fn::If branch on its own,
    resolved to the function when possible. Never raises on a valid template's shapes."""
    found = []
    all_resources = as_dict(template.get("Resources"))
    for dist_id, dist in resources(template, "AWS::CloudFront::Distribution").items():
        base = ["Resources", dist_id, "Properties", "DistributionConfig"]
        for config, where in alternatives(properties(dist).get("DistributionConfig"), base):
            config = as_dict(config)
            behaviors = [*alternatives(config.get("DefaultCacheBehavior"),
                                       where + ["DefaultCacheBehavior"]),
                         *list_items(config.get("CacheBehaviors"), where + ["CacheBehaviors"])]
            for behavior, at in behaviors:
                for assoc, path in list_items(as_dict(behavior).get("LambdaFunctionAssociations"),
                                              at + ["LambdaFunctionAssociations"]):
                    assoc = as_dict(assoc)
                    for event_type, _ in alternatives(assoc.get("EventType"), path):
                        for arn, _ in alternatives(assoc.get("LambdaFunctionARN"), path):
                            use = EdgeFunctionUse(path, event_type,
                                                  assoc.get("IncludeBody") in (True, "true"),
                                                  arn)
                            _trace(use, all_resources)
                            found.append(use)
    return found


def stack_region(cfn_regions):
    """The region the template is deployed to, as cfn-lint was told (--regions)."""
    return cfn_regions[0] if cfn_regions else edge_rules.EDGE_REGION


def zipped_size(folder):
    """The size of `folder` zipped as CDK zips an asset (deflate), in bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder))
    return len(buffer.getvalue())


def build_parser():
    p = OneLineParser(prog="python -m edge_persist.preflight",
                      description="Lint every stack of a cloud assembly with cfn-lint and the "
                                  "Lambda@Edge and CloudFront Functions rules; exit 1 on any "
                                  "error, before a deploy that would fail after 15 minutes.")
    p.add_argument("cdk_out", nargs="?", default="cdk.out", metavar="CDK_OUT",
                   help="the cloud assembly folder (default: %(default)s)")
    return p


def main(argv=None):
    """Lint every stack of a cloud assembly; exit non-zero when cfn-lint reports an error."""
    try:
        cdk_out = Path(build_parser().parse_args(argv).cdk_out)
        found = list(stacks(cdk_out))
        for _, template, _ in found:
            read_json(template)  # cfn-lint would report a broken file as a lint finding
    except UsageError as err:
        print(f"preflight: {err}", file=sys.stderr)
        return err.exit_code
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    worst = 0
    for _, template, region in found:
        result = subprocess.run([str(cfn_lint), "--append-rules", str(RULES_DIR),
                                 "--regions", region, "--", str(template)])
        # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
        if result.returncode & 2 or result.returncode == 1:
            worst = 1
        print(f"preflight: {template.name} ({region}): "
              f"{'ERRORS, refusing to deploy' if result.returncode & 2 else 'no errors'}",
              file=sys.stderr)
    return worst


if __name__ == "__main__":
    sys.exit(main())
