"""What the Lambda@Edge lint rules look at, read from any CloudFormation template.

The rules in edge_persist/lint_rules/ (loaded by `cfn-lint --append-rules`) call these
helpers; `python -m edge_persist.preflight [cdk.out]` runs cfn-lint with those rules on
every stack of a cloud assembly, in the stack's own region, before anything is deployed.
"""
import argparse
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from edge_persist import edge_rules
from edge_persist.cfn import as_dict, properties, read_json, referenced_ids, resources, stacks
from edge_persist.cfn_values import Resolved, Values, boolean
from edge_persist.errors import OneLineParser, UsageError

RULES_DIR = Path(__file__).resolve().parent / "lint_rules"
CONFIG = RULES_DIR / "cfnlintrc.yaml"
# cfn-lint's own entry point, run by this interpreter: no console script on PATH is assumed.
CFN_LINT_MAIN = "import sys; from cfnlint.runner import main; sys.exit(main())"


CUSTOM_RESOURCE = "AWS::CloudFormation::CustomResource"
SAM_FUNCTION = "AWS::Serverless::Function"
SAM_VERSION = "AWS::Serverless::Function.Version"  # what `!Ref Fn.Version` names
# The trust policy of the role SAM makes for a function that names none.
SAM_DEFAULT_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["sts:AssumeRole"],
    "Principal": {"Service": ["lambda.amazonaws.com"]}}]}
FUNCTION_TYPES = ("AWS::Lambda::Function", SAM_FUNCTION)
# The date runtimes are judged on (YYYY-MM-DD), set by `preflight --as-of` for cfn-lint.
AS_OF_ENV = "EDGE_PERSIST_AS_OF"


class EdgeRule(CloudFormationLintRule):
    """A rule of this pack: reads the template through cfn_values.Values, never crashes.

    A rule implements check(cfn, values) and yields RuleMatch. Anything it did not expect is
    one warning (W9100) naming the rule and the resource it was reading, never cfn-lint's
    E0002 and never a traceback: an unusual template is a normal input.
    """

    def match(self, cfn):
        self.reading = None  # the resource a rule is on, for the warning
        values = Values.of_file(cfn.template, stack_region(cfn.regions), cfn.filename)
        try:
            return list(self.check(cfn, values))
        except Exception as err:  # noqa: BLE001 - the point: no rule may stop the lint
            where = ["Resources", self.reading] if self.reading else []
            return [RuleMatch(where, f"{self.id} could not check "
                                     f"{self.reading or 'this template'} ({type(err).__name__}:"
                                     f" {err}); the rest of the lint is unaffected",
                              rule=CouldNotCheck())]

    def check(self, cfn, values):
        raise NotImplementedError


class CouldNotCheck(CloudFormationLintRule):
    """The warning a rule of this pack gives instead of crashing (see EdgeRule)."""
    id = "W9100"
    shortdesc = "An edge-persist rule could not check a resource"
    description = "A rule met a shape it did not expect; it checked nothing there."
    source_url = "https://github.com/aws-cloudformation/cfn-lint"
    tags = ["lambda@edge", "cloudfront"]

    def match(self, cfn):
        return []


@dataclass
class EdgeFunctionUse:
    """One LambdaFunctionAssociation of one cache behavior (one branch of any Fn::If)."""
    path: list            # where the association sits in the template
    event_type: object
    include_body: bool
    arn: object           # the LambdaFunctionARN's value in this branch (cfn_values)
    function_id: str = None   # logical id of the function (Lambda or SAM), when traced
    version_id: str = None    # logical id of the AWS::Lambda::Version, when referenced
    target_type: str = None   # the resource type the ARN points at, when in the template
    attribute: str = None     # which of the target's values the ARN is (Arn, Version, ...)
    owner: Values = None      # the Values of the stack holding the function: this one, or
                              # another stack of the assembly (CDK's EdgeFunction)

    def function_path(self, values, *rest):
        """Where a finding on the function points: its property in this template, or the
        association when the function lives in another stack."""
        if self.owner is values:
            return ["Resources", self.function_id, "Properties", *rest]
        return self.path

    def function_name(self, values):
        """The function's logical id, with its stack when that is another one."""
        if self.owner is values or self.owner.stack is None:
            return self.function_id
        return f"{self.function_id} (stack {self.owner.stack.name})"


def _is_function(all_resources, logical):
    return as_dict(all_resources.get(logical)).get("Type") in FUNCTION_TYPES


def _referenced_function(resource, all_resources):
    """The one function a custom resource names (ServiceToken aside), at any depth and in any
    Fn::If branch: the function whose version it publishes, as a code-update custom resource
    does."""
    found = {f for k, v in properties(resource).items() if k != "ServiceToken"
             for f in referenced_ids(v) if _is_function(all_resources, f)}
    return found.pop() if len(found) == 1 else None


def _trace(use, values):
    """Follow the ARN to its version, alias, custom resource and function, when it came from
    a resource of this template or of another stack of its cloud assembly
    (cfn_values.Resolved remembers which).

    cfn-lint gives custom rules the template before the SAM transform, so SAM's own
    references are read here: `!Ref Fn.Version` is the version AutoPublishAlias publishes,
    `!Ref Fn.Alias` its alias.
    """
    if not isinstance(use.arn, Resolved):
        # An ARN built with Fn::Join or Fn::Sub from a function of this template names it.
        all_resources = values.resources
        name = use.arn.split(":")[6] if isinstance(use.arn, str) and use.arn.count(":") >= 6 \
            else None
        use.function_id = next((f for f in all_resources if _is_function(all_resources, f)
                                and name and values.function_name(f) == name), None)
        use.owner = values
        return
    values = use.owner = use.arn.owner or values
    all_resources = values.resources
    target, use.attribute = use.arn.logical_id, use.arn.attribute
    resource = as_dict(all_resources.get(target))
    use.target_type = resource.get("Type")
    if use.target_type == SAM_FUNCTION and use.attribute in ("Version", "Alias"):
        use.target_type = SAM_VERSION if use.attribute == "Version" else "AWS::Lambda::Alias"
        use.function_id = target
        return
    if use.target_type == "AWS::Lambda::Version":
        use.version_id = target
    if use.target_type in ("AWS::Lambda::Version", "AWS::Lambda::Alias"):
        named = [v for v, _ in values.branches(properties(resource).get("FunctionName"))]
        target = next((v.logical_id for v in named if isinstance(v, Resolved)), None)
    elif use.target_type and (use.target_type.startswith("Custom::")
                              or use.target_type == CUSTOM_RESOURCE):
        target = _referenced_function(resource, all_resources)
    if _is_function(all_resources, target):
        use.function_id = target


def function_properties(template, function_id):
    """A function's properties as deployed, in AWS::Lambda::Function's names.

    A SAM function is read as the resources SAM creates from it (AWS SAM Developer Guide,
    "Globals section of the AWS SAM template" and AWS::Serverless::Function): Globals.Function
    merged in as SAM merges it, then DeadLetterQueue and Tracing in the shapes SAM gives the
    Lambda function. ProvisionedConcurrencyConfig stays under its own name: SAM puts it on the
    alias AutoPublishAlias makes, and a rule reads it there.
    """
    resource = as_dict(as_dict(template.get("Resources")).get(function_id))
    props = properties(resource)
    if resource.get("Type") != SAM_FUNCTION:
        return props
    merged = sam_merged(as_dict(as_dict(template.get("Globals")).get("Function")), props)
    if merged.get("DeadLetterQueue"):
        merged["DeadLetterConfig"] = merged["DeadLetterQueue"]
    if merged.get("Tracing") == "Active":
        merged["TracingConfig"] = {"Mode": "Active"}
    return merged


def sam_merged(global_value, local_value):
    """A Globals value and a resource's own, merged as SAM merges them: maps key by key, lists
    the Globals' items then the resource's, and anything else (a scalar, an intrinsic
    function, two values of different kinds) the resource's own."""
    if _sam_kind(global_value) != _sam_kind(local_value) or _sam_kind(local_value) == "scalar":
        return local_value
    if isinstance(local_value, list):
        return [*global_value, *local_value]
    merged = dict(global_value)
    for key, value in local_value.items():
        merged[key] = sam_merged(global_value[key], value) if key in global_value else value
    return merged


def _sam_kind(value):
    if isinstance(value, dict) and not (len(value) == 1 and (
            "Ref" in value or next(iter(value)).startswith("Fn::"))):
        return "map"
    return "list" if isinstance(value, list) else "scalar"


def sam_role_trust(template, function_id):
    """The trust policy of the role SAM creates for a SAM function without a Role: its
    AssumeRolePolicyDocument, else SAM's default, which trusts lambda.amazonaws.com alone.
    None for any other function."""
    resource = as_dict(as_dict(template.get("Resources")).get(function_id))
    if resource.get("Type") != SAM_FUNCTION:
        return None
    props = function_properties(template, function_id)
    if props.get("Role") is not None:
        return None
    return props.get("AssumeRolePolicyDocument") or SAM_DEFAULT_TRUST


def behaviors(values, dist_id, dist):
    """(behavior, path) of every cache behavior of one distribution, every Fn::If branch."""
    base = ["Resources", dist_id, "Properties", "DistributionConfig"]
    for config, where in values.get(dist.get("Properties"), "DistributionConfig",
                                    base[:-1]):
        yield from values.get(config, "DefaultCacheBehavior", where)
        for behavior in values.get(config, "CacheBehaviors", where):
            yield from values.items(*behavior)


def edge_uses(values):
    """Every edge association of every distribution, each Fn::If branch on its own,
    resolved to the function when possible. Never raises on a valid template's shapes."""
    found = []
    for dist_id, dist in resources(values.template, "AWS::CloudFront::Distribution").items():
        for behavior, at in behaviors(values, dist_id, dist):
            for assoc_list in values.get(behavior, "LambdaFunctionAssociations", at):
                for assoc, path in values.items(*assoc_list):
                    if not isinstance(assoc, dict):
                        continue
                    include_body = any(boolean(v) for v in values.scalars(assoc.get("IncludeBody")))
                    for event_type in values.scalars(assoc.get("EventType")):
                        for arn in values.scalars(assoc.get("LambdaFunctionARN")):
                            use = EdgeFunctionUse(path, event_type, include_body, arn)
                            _trace(use, values)
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
    p = OneLineParser(prog="edge-persist preflight",
                      description="Lint every stack of a cloud assembly (or one template) with "
                                  "cfn-lint and the Lambda@Edge and CloudFront Functions rules; "
                                  "exit 1 on any error, before a deploy that would fail after "
                                  "15 minutes.")
    p.add_argument("cdk_out", nargs="?", default="cdk.out", metavar="CDK_OUT",
                   help="the cloud assembly folder, or one template file (default: "
                        "%(default)s)")
    p.add_argument("--region", default=edge_rules.EDGE_REGION,
                   help="the region a single template is deployed to; a cloud assembly says "
                        "its own (default: %(default)s)")
    p.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD",
                   help="judge runtimes as on this day, for reproducible runs (default: today)")
    return p


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def _templates(target, region):
    """(template path, region) of every stack to lint: a cloud assembly's, or one file's."""
    path = Path(target)
    if path.is_file():
        return [(path, region)]
    found = [(template, stack_region) for _, template, stack_region in stacks(path)]
    for template, _ in found:
        read_json(template)  # cfn-lint would report a broken file as a lint finding
    return found


def _cfn_lint(templates, region, as_of):
    """cfn-lint with this pack and its configuration on templates of one region: the
    findings, as cfn-lint's JSON gives them."""
    command = [sys.executable, "-c", CFN_LINT_MAIN, "--config-file", str(CONFIG),
               "--append-rules", str(RULES_DIR), "--format", "json", "--regions", region,
               "--", *map(str, templates)]
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, AS_OF_ENV: as_of.isoformat()})
    try:
        return json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        raise UsageError(f"cfn-lint failed: {(result.stderr or result.stdout).strip()[-300:]}") \
            from None


def main(argv=None):
    """Lint every stack of a cloud assembly; exit 1 when any finding is an error."""
    try:
        args = build_parser().parse_args(argv)
        found = _templates(args.cdk_out, args.region)
        by_region = {}
        for template, region in found:
            by_region.setdefault(region, []).append(template)
        findings = [f for region, templates in by_region.items()
                    for f in _cfn_lint(templates, region, args.as_of or date.today())]
    except UsageError as err:
        print(f"preflight: {err}", file=sys.stderr)
        return err.exit_code
    for finding in findings:
        start = finding["Location"]["Start"]
        print(f"{finding['Rule']['Id']} {finding['Message']}\n{finding['Filename']}:"
              f"{start['LineNumber']}:{start['ColumnNumber']}\n")
    worst = 0
    for template, region in found:
        errors = sum(1 for f in findings if f["Level"] == "Error"
                     and Path(f["Filename"]).resolve() == template.resolve())
        worst = 1 if errors else worst
        print(f"preflight: {template.name} ({region}): "
              f"{f'{errors} ERRORS, refusing to deploy' if errors else 'no errors'}",
              file=sys.stderr)
    return worst


if __name__ == "__main__":
    sys.exit(main())
