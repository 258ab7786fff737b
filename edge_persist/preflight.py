"""What the Lambda@Edge lint rules look at, read from any CloudFormation template.

The rules in edge_persist/lint_rules/ (loaded by `cfn-lint --append-rules`) call these
helpers; `python -m edge_persist.preflight [cdk.out]` runs cfn-lint with those rules on
every stack of a cloud assembly, in the stack's own region, before anything is deployed.
"""
import io
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from edge_persist import edge_rules
from edge_persist.cfn import logical_id, read_json, resources, stacks
from edge_persist.errors import UsageError

RULES_DIR = Path(__file__).resolve().parent / "lint_rules"


@dataclass
class EdgeFunctionUse:
    """One LambdaFunctionAssociation of one cache behavior."""
    path: list            # where the association sits in the template
    event_type: str
    include_body: bool
    arn: object           # the LambdaFunctionARN value as written
    function_id: str = None   # logical id of the AWS::Lambda::Function, when in the template
    version_id: str = None    # logical id of the AWS::Lambda::Version, when referenced


def edge_uses(template):
    """Every edge association of every distribution, resolved to the function when possible."""
    found = []
    all_resources = template.get("Resources") or {}
    for dist_id, dist in resources(template, "AWS::CloudFront::Distribution").items():
        config = dist.get("Properties", {}).get("DistributionConfig", {})
        behaviors = [("DefaultCacheBehavior", config.get("DefaultCacheBehavior") or {})]
        behaviors += [(f"CacheBehaviors/{i}", b) for i, b in
                      enumerate(config.get("CacheBehaviors") or [])]
        for where, behavior in behaviors:
            for i, assoc in enumerate(behavior.get("LambdaFunctionAssociations") or []):
                path = ["Resources", dist_id, "Properties", "DistributionConfig",
                        *where.split("/"), "LambdaFunctionAssociations", i]
                use = EdgeFunctionUse(path, assoc.get("EventType"),
                                      bool(assoc.get("IncludeBody")),
                                      assoc.get("LambdaFunctionARN"))
                target = logical_id(use.arn)
                kind = all_resources.get(target, {}).get("Type")
                if kind == "AWS::Lambda::Version":
                    use.version_id = target
                    target = logical_id(all_resources[target].get("Properties", {})
                                         .get("FunctionName"))
                    kind = all_resources.get(target, {}).get("Type")
                if kind == "AWS::Lambda::Function":
                    use.function_id = target
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


def main(argv=None):
    """Lint every stack of a cloud assembly; exit non-zero when cfn-lint reports an error."""
    cdk_out = Path((argv or sys.argv[1:] or ["cdk.out"])[0])
    try:
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
