"""What to verify: from cdk-outputs.json, from CloudFormation, or a bare URL."""
import json
from dataclasses import dataclass
from pathlib import Path

import botocore.exceptions

from edge_persist import contract
from edge_persist.errors import UsageError, from_aws


@dataclass(frozen=True)
class Target:
    url: str
    stack: str = None
    distribution_id: str = None
    edge_function: str = None
    origin_log_group: str = None

    @property
    def has_logs(self):
        return bool(self.origin_log_group and self.edge_function)

    def as_report(self):
        return {"url": self.url, "stack": self.stack, "edge_function": self.edge_function,
                "origin_log_group": self.origin_log_group}


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
        raise UsageError(f"stack {stack!r} is not in the outputs file")
    missing = [k for k in ("DistributionUrl", "EdgeFunctionName", "OriginLogGroupName")
               if not values.get(k)]
    if missing:
        raise UsageError(f"outputs of {stack} lack {', '.join(missing)}: redeploy with this kit")
    return Target(url=values["DistributionUrl"], stack=stack,
                  distribution_id=values.get("DistributionId"),
                  edge_function=values["EdgeFunctionName"],
                  origin_log_group=values["OriginLogGroupName"])


def read_outputs_file(path, stack=None):
    try:
        outputs = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise UsageError(f"{path} is not valid JSON ({err.msg} at line {err.lineno})") from None
    return from_outputs(outputs, stack)


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
    """--url alone probes only; an outputs file wins; else the stack through CloudFormation."""
    if args.url:
        return Target(url=args.url.rstrip("/"))
    if Path(args.outputs_file).is_file():
        return read_outputs_file(args.outputs_file, args.stack_name)
    stack = args.stack_name or contract.DEFAULT_STACK_NAME
    try:
        return from_stack(aws, stack, args.region)
    except UsageError as err:
        raise UsageError(f"no outputs file at {args.outputs_file}, and {err}") from None
