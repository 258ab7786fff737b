"""Remove what `cdk destroy` leaves behind: the retained Lambda@Edge function and its logs,
and a viewer function or key value store a failed deletion left.

    edge-persist cleanup          # list what would be deleted
    edge-persist cleanup --yes    # delete it

Only resources the stack named are touched: the edge function from its outputs (or its
CloudFormation tags), `/aws/lambda/us-east-1.<function>` and
`/aws/cloudfront/LambdaEdge/<distribution id>` in every region, the CloudFront function
`<stack>-viewer`, the key value store `<stack>-kvs`, and the standard logging (v2) chain
(`accessLogs=v2`: the delivery source `<stack>-access-logs`, its deliveries, the delivery
destination `<stack>-access-logs-s3`), which blocks the next deploy when a failed deletion
leaves it ("only one delivery source per distribution"). CloudFront keeps replicas of the
edge function for a few hours after the distribution is gone; until then deletion is
refused, and this says so and asks to be run again later. A key value store cannot be
deleted while a function is associated with it, so the function goes first; each deletion
takes the resource's current ETag (CloudFront API Reference, DeleteFunction and
DeleteKeyValueStore).
"""
import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import botocore.exceptions

from edge_persist import contract, regions
from edge_persist.aws import Aws
from edge_persist.errors import CliError, EvidenceError, OneLineParser, UsageError, from_aws
from edge_persist.verify.target import endpoint_for, load_outputs_file

EXIT_DONE, EXIT_PENDING = 0, 3
STACK_TAG = "aws:cloudformation:stack-name"


@dataclass
class Leftovers:
    """What one stack can leave behind after `cdk destroy`: the retained edge function, its
    distribution, the viewer function and the key value store."""
    stack: str
    function: str = None
    distribution_id: str = None
    viewer_function: str = None
    kvs_arn: str = None

    @property
    def viewer_name(self):
        return self.viewer_function or f"{self.stack}-viewer"

    @property
    def kvs_name(self):
        return f"{self.stack}-kvs"

    @property
    def log_source(self):  # stacks/access_logs.py names them
        return f"{self.stack}-access-logs"

    @property
    def log_destination(self):
        return f"{self.stack}-access-logs-s3"


def build_parser():
    p = OneLineParser(prog="edge-persist cleanup", description=__doc__,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--outputs-file", default="cdk-outputs.json",
                   help="written by cdk deploy --outputs-file (default: %(default)s)")
    p.add_argument("--stack-name", default=None,
                   help=f"default: the outputs file's stack, else {contract.DEFAULT_STACK_NAME}")
    p.add_argument("--regions", default="all", help="regions to clean logs in (default: all)")
    p.add_argument("--yes", action="store_true", help="delete; without it, only list (default: list)")
    p.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    p.add_argument("--endpoint-url", help="a local AWS-compatible endpoint (moto server); default: the outputs "
                        "file's Emulator block, else AWS")
    return p


def _call(doing, fn, **kwargs):
    try:
        return fn(**kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        raise from_aws(err, doing) from None


def _pages(doing, client, operation, **kwargs):
    """Every page of a paginated call. Pages are fetched while iterating, so the errors are
    caught here, not only around paginate()."""
    try:
        yield from client.get_paginator(operation).paginate(**kwargs)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        raise from_aws(err, doing) from None


def _from_outputs(path, stack):
    outputs = load_outputs_file(path)
    if not isinstance(outputs, dict):
        raise UsageError(f"{path} holds no stacks")
    name = stack or next((s for s, v in outputs.items()
                          if isinstance(v, dict) and "EdgeFunctionName" in v), None)
    values = outputs.get(name) if isinstance(outputs.get(name), dict) else {}
    if not values.get("EdgeFunctionName"):
        raise UsageError(f"{path} names no EdgeFunctionName for stack {name}")
    return Leftovers(name, values["EdgeFunctionName"], values.get("DistributionId"),
                  values.get("ViewerFunctionName"), values.get("KeyValueStoreArn"))


def _from_tags(aws, stack):
    """After `cdk destroy` the stack is gone, but the retained function keeps its tags."""
    client = aws.client("lambda", contract.HOME_REGION)
    for page in _pages("listing functions", client, "list_functions"):
        for fn in page["Functions"]:
            tags = _call(f"reading tags of {fn['FunctionName']}", client.list_tags,
                         Resource=fn["FunctionArn"]).get("Tags", {})
            if tags.get(STACK_TAG) == stack and \
                    tags.get("aws:cloudformation:logical-id", "").startswith("EdgeFunction"):
                return Leftovers(stack, fn["FunctionName"])
    return Leftovers(stack)


def _stack_exists(aws, stack):
    try:
        stacks = aws.client("cloudformation", contract.HOME_REGION).describe_stacks(
            StackName=stack)["Stacks"]
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            return False
        raise from_aws(err, f"describing stack {stack}") from None
    except botocore.exceptions.BotoCoreError as err:
        raise from_aws(err, f"describing stack {stack}") from None
    return any(s["StackStatus"] != "DELETE_COMPLETE" for s in stacks)


def _versions(client, name):
    versions = []
    for page in _pages(f"listing versions of {name}", client, "list_versions_by_function",
                       FunctionName=name):
        versions += [v["Version"] for v in page["Versions"] if v["Version"] != "$LATEST"]
    return versions


def _log_groups(aws, names, scan):
    """(region, group) for every exact name that exists in a scanned region."""
    found = []
    for region in scan:
        client = aws.client("logs", region)
        for name in names:
            groups = _call(f"listing log groups in {region}", client.describe_log_groups,
                           logGroupNamePrefix=name)["logGroups"]
            found += [(region, g["logGroupName"]) for g in groups if g["logGroupName"] == name]
    return found


def _viewer_leftovers(aws, target):
    """(viewer function name or None, key value store name or None) still in the account."""
    cf = aws.client("cloudfront", contract.HOME_REGION)
    functions = _call("listing CloudFront functions", cf.list_functions)
    function = next((f["Name"] for f in functions["FunctionList"].get("Items") or []
                     if f["Name"] == target.viewer_name), None)
    stores = _call("listing key value stores", cf.list_key_value_stores)
    store = next((k["Name"] for k in stores["KeyValueStoreList"].get("Items") or []
                  if k["Name"] == target.kvs_name or k.get("ARN") == target.kvs_arn), None)
    return function, store


def _delete_viewer_side(aws, function, store, say):
    """True when both are gone; False while something still holds them."""
    cf = aws.client("cloudfront", contract.HOME_REGION)
    for kind, name, describe, delete in (
            ("CloudFront function", function, cf.describe_function, cf.delete_function),
            ("key value store", store, cf.describe_key_value_store,
             cf.delete_key_value_store)):
        if not name:
            continue
        etag = _call(f"describing {kind} {name}", describe, Name=name)["ETag"]
        try:
            delete(Name=name, IfMatch=etag)
        except botocore.exceptions.ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in ("FunctionInUse", "CannotDeleteEntityWhileInUse"):
                say(f"{kind} {name} is still in use ({code}): a distribution or function "
                    "still refers to it; run `make cleanup` again once it is gone")
                return False
            raise from_aws(err, f"deleting {kind} {name}") from None
        except botocore.exceptions.BotoCoreError as err:
            raise from_aws(err, f"deleting {kind} {name}") from None
        say(f"deleted {kind} {name}")
    return True


def _log_delivery_leftovers(aws, target):
    """The stack's standard logging (v2) chain still in the account: [(kind, name or id,
    delete call, its argument)], deliveries first (a source or destination in use cannot
    go)."""
    logs = aws.client("logs", contract.HOME_REGION)
    deliveries = [d for page in _pages("listing log deliveries", logs, "describe_deliveries")
                  for d in page.get("deliveries", [])]
    sources = [d["name"] for page in _pages("listing delivery sources", logs,
                                            "describe_delivery_sources")
               for d in page.get("deliverySources", [])]
    destinations = [d["name"] for page in _pages("listing delivery destinations", logs,
                                                 "describe_delivery_destinations")
                    for d in page.get("deliveryDestinations", [])]
    found = [("log delivery", d["id"], logs.delete_delivery, "id") for d in deliveries
             if d.get("deliverySourceName") == target.log_source]
    if target.log_destination in destinations:
        found.append(("delivery destination", target.log_destination,
                      logs.delete_delivery_destination, "name"))
    if target.log_source in sources:
        found.append(("delivery source", target.log_source, logs.delete_delivery_source,
                      "name"))
    return found


def _is_replicated(err):
    return isinstance(err, botocore.exceptions.ClientError) and \
        "replicated function" in str(err)


def _delete_function(client, name, versions, say):
    """True when the function is gone; False while CloudFront still holds replicas."""
    try:
        for version in sorted(versions, key=int):
            client.delete_function(FunctionName=name, Qualifier=version)
            say(f"deleted {name}:{version}")
        client.delete_function(FunctionName=name)
        say(f"deleted function {name}")
        return True
    except botocore.exceptions.ClientError as err:
        if _is_replicated(err):
            say(f"{name} is still replicated at CloudFront's edge locations. CloudFront removes "
                "replicas within a few hours of the distribution's deletion; run `make cleanup` "
                "again later.")
            return False
        raise from_aws(err, f"deleting {name}") from None
    except botocore.exceptions.BotoCoreError as err:
        raise from_aws(err, f"deleting {name}") from None


def run(args, say=print):
    try:
        scan = regions.parse_regions(args.regions)
    except ValueError as err:
        raise UsageError(f"--regions: {err}") from None
    # The outputs file is read before any AWS call: a wrong file is the user's first problem.
    listed = _from_outputs(args.outputs_file, args.stack_name) \
        if Path(args.outputs_file).exists() else None
    aws = Aws(args.profile, endpoint_for(args.outputs_file, args.endpoint_url))
    if not aws.has_credentials():
        raise UsageError("no AWS credentials found; set AWS_PROFILE or pass --profile")
    target = listed or _from_tags(aws, args.stack_name or contract.DEFAULT_STACK_NAME)
    lam = aws.client("lambda", contract.HOME_REGION)
    versions = []
    if target.function:
        try:
            versions = _versions(lam, target.function)
        except EvidenceError as err:
            if "ResourceNotFoundException" not in str(err):
                raise
            say(f"function {target.function} is already gone")
            target.function = None
    groups = [contract.edge_log_group(target.function or f"{target.stack}-edge")]
    if target.distribution_id:
        groups.append(contract.cloudfront_edge_error_log_group(target.distribution_id))
    found = _log_groups(aws, groups, scan)
    viewer_function, store = _viewer_leftovers(aws, target)
    chain = _log_delivery_leftovers(aws, target)
    if not target.function and not found and not viewer_function and not store and not chain:
        say(f"nothing left of {target.stack} to clean up")
        return EXIT_DONE
    if not args.yes:
        if target.function:
            say(f"would delete function {target.function} (us-east-1) and its versions "
                f"{', '.join(versions) or '(none)'}")
        for region, group in found:
            say(f"would delete log group {group} in {region}")
        if viewer_function:
            say(f"would delete CloudFront function {viewer_function}")
        if store:
            say(f"would delete key value store {store}")
        for kind, name, _, _ in chain:
            say(f"would delete {kind} {name}")
        say("nothing deleted: rerun with --yes to delete these")
        return EXIT_DONE
    if _stack_exists(aws, target.stack):
        raise UsageError(f"stack {target.stack} still exists: run `cdk destroy` (make destroy) "
                         "first, so CloudFront lets go of the function")
    for region, group in found:
        _call(f"deleting {group} in {region}", aws.client("logs", region).delete_log_group,
              logGroupName=group)
        say(f"deleted log group {group} in {region}")
    for kind, name, delete, argument in chain:
        _call(f"deleting {kind} {name}", delete, **{argument: name})
        say(f"deleted {kind} {name}")
    pending = not _delete_viewer_side(aws, viewer_function, store, say)
    if target.function and not _delete_function(lam, target.function, versions, say):
        return EXIT_PENDING
    return EXIT_PENDING if pending else EXIT_DONE


def main(argv=None):
    try:
        return run(build_parser().parse_args(argv))
    except CliError as err:
        print(f"cleanup: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
