"""The Lambda@Edge function: lambda_edge/ with its config.json, versioned, retained (its
replicas block deletion for hours; `make cleanup` removes it later)."""
import json
import shutil
from pathlib import Path

import jsii
from aws_cdk import (
    AssetHashType, BundlingOptions, DockerImage, Duration, ILocalBundling, RemovalPolicy,
    Stack,
    aws_iam as iam,
    aws_lambda as lambda_,
)
from constructs import Construct

from stacks.common import ASSET_EXCLUDES, ROOT, RUNTIME, acknowledge


@jsii.implements(ILocalBundling)
class _WithConfig:
    """Bundles lambda_edge/ with a config.json: Lambda@Edge allows no environment variables,
    so settings travel inside the code asset. Local only: no Docker is involved."""

    def __init__(self, source, config):
        self.source, self.config = source, config

    def try_bundle(self, output_dir, *args, **kwargs):
        shutil.copytree(self.source, output_dir, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(*ASSET_EXCLUDES))
        (Path(output_dir) / "config.json").write_text(json.dumps(self.config, sort_keys=True))
        return True


def edge_code(config):
    """The edge function's asset: lambda_edge/ plus config.json. Hashed by output, so a new
    setting is a new asset, a new version and a new deploy."""
    source = ROOT / "lambda_edge"
    return lambda_.Code.from_asset(
        str(source), asset_hash_type=AssetHashType.OUTPUT,
        bundling=BundlingOptions(image=DockerImage.from_registry("unused-local-bundling"),
                                 local=_WithConfig(source, config)))


class EdgeFunction(Construct):
    """Attributes: `function`, `version` (the numbered version CloudFront runs)."""

    def __init__(self, scope, construct_id, *, stack_name, session_config):
        super().__init__(scope, construct_id)
        name = f"{stack_name}-edge"
        account = Stack.of(self).account
        role = iam.Role(self, "Role", assumed_by=iam.CompositePrincipal(
            iam.ServicePrincipal("lambda.amazonaws.com"),
            iam.ServicePrincipal("edgelambda.amazonaws.com")))
        # Edge logs land in whichever region ran the function, hence the region wildcard.
        group = f"arn:aws:logs:*:{account}:log-group:/aws/lambda/us-east-1.{name}"
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[group, f"{group}:*"]))
        self.function = lambda_.Function(
            self, "Function", function_name=name, runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64, handler="handler.handler",
            code=edge_code(session_config), memory_size=128, timeout=Duration.seconds(5),
            role=role,
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.RETAIN))
        self.function.apply_removal_policy(RemovalPolicy.RETAIN)
        self.version = self.function.current_version
        acknowledge(self.function, "AwsSolutions-L1",
                    "python3.14 at the edge is unconfirmed; python3.13 is the newest documented "
                    "Lambda@Edge runtime.")
        policy = role.node.find_child("DefaultPolicy")
        for finding in (f"Resource::arn:aws:logs:*:<AWS::AccountId>:log-group:/aws/lambda/us-east-1.{name}",
                        f"Resource::arn:aws:logs:*:<AWS::AccountId>:log-group:/aws/lambda/us-east-1.{name}:*"):
            acknowledge(policy, f"AwsSolutions-IAM5[{finding}]",
                        "Lambda@Edge writes to this one log group in every region that runs it.")
