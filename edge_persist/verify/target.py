"""What to verify: from cdk-outputs.json, from CloudFormation, or a bare URL."""
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import botocore.exceptions

from edge_persist import contract
from edge_persist.errors import UsageError, from_aws, read_json


@dataclass(frozen=True)
class Target:
    url: str
    stack: str = None
    distribution_id: str = None
    edge_function: str = None
    origin_log_group: str = None
    kvs_arn: str = None         # the stack's KeyValueStore, when it has one
    kvs_endpoint: str = None    # where its data plane answers locally (the emulator's)
    certificate: str = None     # the local emulator's, which its https:// URLs present

    @property
    def has_logs(self):
        return bool(self.origin_log_group and self.edge_function)

    def as_report(self):
        return {"url": self.url, "stack": self.stack, "edge_function": self.edge_function,
                "origin_log_group": self.origin_log_group, "kvs_arn": self.kvs_arn}


def checked_url(url, where):
    """An http(s) URL with a host, without its trailing slash; anything else is a usage error."""
    split = urlsplit(url.strip())
    if split.scheme not in ("http", "https") or not split.netloc:
        raise UsageError(f"{where}: {url!r} is not an http:// or https:// URL")
    return url.strip().rstrip("/")


class StackNotInFile(UsageError):
    """The outputs file exists but lacks the named stack: CloudFormation may still have it."""


def from_outputs(outputs, stack=None):
    """`outputs` is the dict `cdk deploy --outputs-file` writes: {stack: {OutputKey: value}}."""
    if not isinstance(outputs, dict) or not outputs:
        raise UsageError("the outputs file holds no stacks")
    if stack is None:
        candidates = [name for name, values in outputs.items()
                      if isinstance(values, dict) and "DistributionUrl" in values]
        if len(candidates) != 1:
            raise UsageError(f"the outputs file has {len(candidates)} edge-persist stacks "
                             f"({', '.join(candidates) or 'none'}); pass --stack-name")
        stack = candidates[0]
    values = outputs.get(stack)
    if not isinstance(values, dict):
        raise StackNotInFile(f"stack {stack!r} is not in the outputs file")
    missing = [k for k in ("DistributionUrl", "EdgeFunctionName", "OriginLogGroupName")
               if not values.get(k)]
    if missing:
        raise UsageError(f"outputs of {stack} lack {', '.join(missing)}: redeploy with this kit")
    emulator = outputs.get("Emulator") if isinstance(outputs.get("Emulator"), dict) else {}
    certificate = emulator.get("Certificate")
    if certificate and not Path(str(certificate)).is_file():
        raise UsageError(f"the emulator's certificate {certificate} is gone: the emulator that "
                         "wrote this outputs file has stopped; start it again")
    return Target(url=checked_url(values["DistributionUrl"], f"DistributionUrl of {stack}"),
                  stack=stack,
                  distribution_id=values.get("DistributionId"),
                  edge_function=values["EdgeFunctionName"],
                  origin_log_group=values["OriginLogGroupName"],
                  kvs_arn=values.get("KeyValueStoreArn"),
                  kvs_endpoint=emulator.get("KvsEndpoint"),
                  certificate=certificate)


def endpoint_for(outputs_file, endpoint_url=None, needs_logs=True):
    """Where the AWS calls go. --endpoint-url when given; else, when the outputs file was
    written by the emulator (it has an Emulator block), that block's LogsEndpoint, so a local
    run never reaches AWS whatever credentials the environment holds; else None (AWS).
    A run that reads no logs (verify --no-logs) needs no LogsEndpoint."""
    if endpoint_url:
        # ftp:// or a bare host is one usage line, not botocore's words after a connection.
        return checked_url(endpoint_url, "--endpoint-url")
    if not Path(outputs_file).is_file():
        return None
    outputs = load_outputs_file(outputs_file)
    block = outputs.get("Emulator") if isinstance(outputs, dict) else None
    if not isinstance(block, dict):
        return None
    if not block.get("LogsEndpoint"):
        if not needs_logs:
            return None
        raise UsageError(f"{outputs_file}: its Emulator block names no LogsEndpoint; restart "
                         "the emulator to rewrite it")
    return checked_url(str(block["LogsEndpoint"]), f"LogsEndpoint of {outputs_file}")


def load_outputs_file(path):
    """The parsed outputs file; every way it can be unreadable is one UsageError line."""
    return read_json(path, "not an outputs file")


def read_outputs_file(path, stack=None):
    return from_outputs(load_outputs_file(path), stack)


def from_stack(aws, stack, region):
    try:
        described = aws.client("cloudformation", region).describe_stacks(StackName=stack)
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            raise UsageError(f"stack {stack} not found in {region}: deploy it (make deploy), "
                             "or pass --outputs-file or --url") from None
        raise from_aws(err, f"describing stack {stack}") from None
    except botocore.exceptions.BotoCoreError as err:
        raise from_aws(err, f"describing stack {stack}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Stacks"][0].get("Outputs", [])}
    return from_outputs({stack: outputs}, stack)


def resolve(args, aws):
    """--url alone probes only; an outputs file wins unless it lacks --stack-name's stack;
    else the stack through CloudFormation."""
    if args.url:
        return Target(url=checked_url(args.url, "--url"))
    if Path(args.outputs_file).exists():  # a directory or unreadable file is an error here
        try:
            return read_outputs_file(args.outputs_file, args.stack_name)
        except StackNotInFile as err:
            if not args.stack_name:
                raise
            try:
                return from_stack(aws, args.stack_name, args.region)
            except UsageError as missing:
                raise UsageError(f"{err}, and {missing}") from None
    stack = args.stack_name or contract.DEFAULT_STACK_NAME
    try:
        return from_stack(aws, stack, args.region)
    except UsageError as err:
        raise UsageError(f"no outputs file at {args.outputs_file}, and {err}") from None
