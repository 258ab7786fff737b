"""The experiment of the original article, deployable in one stack in us-east-1.

viewer -> CloudFront (TTL 0) -> Lambda@Edge origin-request -> ALB :80 -> origin Lambda.
Infrastructure only: imports no runtime code and no tool code.
"""
import json
import shutil
from pathlib import Path

import jsii
from aws_cdk import (
    Acknowledgment, AssetHashType, BundlingOptions, CfnOutput, DockerImage, Duration,
    ILocalBundling, RemovalPolicy, Stack, Validations,
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
    aws_ec2 as ec2,
    aws_elasticloadbalancingv2 as elbv2,
    aws_elasticloadbalancingv2_targets as elb_targets,
    aws_iam as iam,
    aws_lambda as lambda_,
    aws_logs as logs,
    aws_secretsmanager as secretsmanager,
    custom_resources as cr,
)
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
ASSET_EXCLUDES = ["__pycache__", "*.pyc"]
RUNTIME = lambda_.Runtime.PYTHON_3_13
# CloudFront's managed prefix list of origin-facing addresses; its id differs per region.
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
ORIGIN_VERIFY_HEADER = "x-origin-verify"
SESSION_COOKIE = "ep_session"
# Context values use CloudFormation's spelling, which users know from the console.
PRICE_CLASSES = {
    "PriceClass_100": cloudfront.PriceClass.PRICE_CLASS_100,
    "PriceClass_200": cloudfront.PriceClass.PRICE_CLASS_200,
    "PriceClass_All": cloudfront.PriceClass.PRICE_CLASS_ALL,
}


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


def acknowledge(construct, rule, reason):
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


class EdgePersistStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, price_class: str = "PriceClass_100",
                 secret_generation: str = "1", session_config: dict = None, **kwargs) -> None:
        if price_class not in PRICE_CLASSES:
            raise ValueError(f"priceClass must be one of {', '.join(PRICE_CLASSES)}, not {price_class!r}")
        super().__init__(scope, construct_id, **kwargs)
        secret = self._origin_secret(secret_generation)
        origin_fn = self._origin_function()
        alb = self._load_balancer(origin_fn, secret)
        edge_fn = self._edge_function(session_config or {})
        distribution = self._distribution(alb, edge_fn.current_version, secret, price_class)
        self._outputs(distribution, edge_fn, origin_fn, alb)

    # --- origin -----------------------------------------------------------------------------

    def _origin_secret(self, generation):
        # A new construct id per generation makes CloudFormation create a new secret (a new
        # dynamic reference), so rotating is one context value and one deploy.
        secret = secretsmanager.Secret(
            self, f"OriginVerifySecret{generation}",
            description="Shared secret CloudFront sends to the ALB in x-origin-verify",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=40),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(secret, "AwsSolutions-SMG4",
                    "Rotation must update CloudFront and the ALB rule together; it is done by "
                    "deploying a new originSecretGeneration (README, 'Rotating the origin secret').")
        return secret

    def _origin_function(self):
        name = f"{self.stack_name}-origin"
        log_group = logs.LogGroup(
            self, "OriginLogGroup", log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_WEEK, removal_policy=RemovalPolicy.DESTROY)
        role = iam.Role(self, "OriginRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[f"{log_group.log_group_arn}"]))
        fn = lambda_.Function(
            self, "OriginFunction", function_name=name, runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64, handler="handler.handler",
            code=lambda_.Code.from_asset(str(ROOT / "origin_lambda"), exclude=ASSET_EXCLUDES),
            memory_size=128, timeout=Duration.seconds(10), role=role, log_group=log_group)
        acknowledge(fn, "AwsSolutions-L1",
                    "python3.13 is the newest runtime confirmed for Lambda@Edge; both functions "
                    "use the same one so the local emulator and the tests run one Python.")
        acknowledge(role.node.find_child("DefaultPolicy"),
                    "AwsSolutions-IAM5[Resource::<OriginLogGroup3F1A8AAE.Arn>]",
                    "The log group ARN ends in :* (all its streams); it names one group.")
        return fn

    def _load_balancer(self, origin_fn, secret):
        vpc = ec2.Vpc(
            self, "Vpc", max_azs=2, nat_gateways=0,
            subnet_configuration=[ec2.SubnetConfiguration(
                name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24)])
        acknowledge(vpc, "AwsSolutions-VPC7",
                    "The VPC holds only the ALB, whose requests the origin function already logs; "
                    "flow logs would add cost and a log group to tear down.")
        sg = ec2.SecurityGroup(self, "AlbSecurityGroup", vpc=vpc,
                               description="HTTP from CloudFront origin-facing addresses only")
        sg.add_ingress_rule(ec2.Peer.prefix_list(self._cloudfront_prefix_list_id()),
                            ec2.Port.tcp(80), "CloudFront origin-facing")
        alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True,
                                            security_group=sg)
        acknowledge(alb, "AwsSolutions-ELB2",
                    "Access logs need an S3 bucket that outlives the stack; the origin function "
                    "logs every request it receives.")
        # open=False: the security group above is the only ingress, no 0.0.0.0/0.
        listener = alb.add_listener(
            "Http", port=80, open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="text/plain", message_body="Forbidden"))
        listener.add_targets(
            "Origin", priority=1, targets=[elb_targets.LambdaTarget(origin_fn)],
            conditions=[elbv2.ListenerCondition.http_header(
                ORIGIN_VERIFY_HEADER, [secret.secret_value.unsafe_unwrap()])])
        return alb

    def _cloudfront_prefix_list_id(self):
        # Looked up at deploy time: ec2.PrefixList.from_lookup would need credentials at synth.
        lookup = cr.AwsCustomResource(
            self, "CloudFrontPrefixList",
            on_update=cr.AwsSdkCall(
                service="EC2", action="describeManagedPrefixLists",
                parameters={"Filters": [{"Name": "prefix-list-name",
                                         "Values": [CLOUDFRONT_PREFIX_LIST]}]},
                physical_resource_id=cr.PhysicalResourceId.of(CLOUDFRONT_PREFIX_LIST),
                output_paths=["PrefixLists.0.PrefixListId"]),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE),
            install_latest_aws_sdk=False)
        acknowledge(lookup, "AwsSolutions-IAM5[Resource::*]",
                    "ec2:DescribeManagedPrefixLists supports no resource-level permissions.")
        # The lookup runs in CDK's singleton provider function, created beside the stack's root.
        provider = self.node.find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", ""))
        acknowledge(provider, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                              "service-role/AWSLambdaBasicExecutionRole]",
                    "CDK's AwsCustomResource provider role; it only writes its own logs.")
        return lookup.get_response_field("PrefixLists.0.PrefixListId")

    # --- edge -------------------------------------------------------------------------------

    def _edge_function(self, session_config):
        name = f"{self.stack_name}-edge"
        role = iam.Role(self, "EdgeRole", assumed_by=iam.CompositePrincipal(
            iam.ServicePrincipal("lambda.amazonaws.com"),
            iam.ServicePrincipal("edgelambda.amazonaws.com")))
        # Edge logs land in whichever region ran the function, hence the region wildcard.
        group = f"arn:aws:logs:*:{self.account}:log-group:/aws/lambda/us-east-1.{name}"
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[group, f"{group}:*"]))
        fn = lambda_.Function(
            self, "EdgeFunction", function_name=name, runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64, handler="handler.handler",
            code=edge_code(session_config), memory_size=128, timeout=Duration.seconds(5), role=role,
            # Replicas block deletion for hours; `make cleanup` removes these later.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.RETAIN))
        fn.apply_removal_policy(RemovalPolicy.RETAIN)
        acknowledge(fn, "AwsSolutions-L1",
                    "python3.14 at the edge is unconfirmed; python3.13 is the newest documented "
                    "Lambda@Edge runtime.")
        policy = role.node.find_child("DefaultPolicy")
        for finding in (f"Resource::arn:aws:logs:*:<AWS::AccountId>:log-group:/aws/lambda/us-east-1.{name}",
                        f"Resource::arn:aws:logs:*:<AWS::AccountId>:log-group:/aws/lambda/us-east-1.{name}:*"):
            acknowledge(policy, f"AwsSolutions-IAM5[{finding}]",
                        "Lambda@Edge writes to this one log group in every region that runs it.")
        return fn

    def _distribution(self, alb, edge_version, secret, price_class):
        # All TTLs 0 means "caching disabled", so nothing may be in the cache key.
        cache_policy = cloudfront.CachePolicy(
            self, "ZeroTtl", cache_policy_name=f"{self.stack_name}-zero-ttl",
            min_ttl=Duration.seconds(0), default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(0),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=False, enable_accept_encoding_brotli=False)
        # Probe ids travel as a header and a query parameter; both must reach the origin.
        origin_request_policy = cloudfront.OriginRequestPolicy(
            self, "AllViewer", origin_request_policy_name=f"{self.stack_name}-all-viewer",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.all(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            # The session cookie reaches origin-request this way; it stays out of the
            # zero-TTL cache key, where CloudFront forbids it.
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.allow_list(SESSION_COOKIE))
        origin = origins.LoadBalancerV2Origin(
            alb, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            custom_headers={ORIGIN_VERIFY_HEADER: secret.secret_value.unsafe_unwrap()})
        distribution = cloudfront.Distribution(
            self, "Distribution",
            comment=f"{self.stack_name}: persistent storage at CloudFront",
            price_class=PRICE_CLASSES[price_class],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cache_policy, origin_request_policy=origin_request_policy,
                # One numbered version on both origin triggers: they share its environments,
                # so what origin-response stores, origin-request finds.
                edge_lambdas=[cloudfront.EdgeLambda(function_version=edge_version,
                                                    event_type=event_type)
                              for event_type in (cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
                                                 cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE)]))
        for rule, reason in (
            ("AwsSolutions-CFR1", "A measuring kit: viewers in every country are welcome."),
            ("AwsSolutions-CFR2", "No WAF: the distribution serves one timestamp and costs "
                                  "would dwarf the experiment."),
            ("AwsSolutions-CFR3", "The origin function logs every request; standard logs "
                                  "would need a bucket that outlives the stack."),
            ("AwsSolutions-CFR4", "Uses the default *.cloudfront.net certificate; no custom "
                                  "domain, so the minimum TLS version cannot be raised."),
            ("AwsSolutions-CFR5", "The ALB has only an HTTP listener; it admits only CloudFront's "
                                  "prefix list and requests carrying the origin secret."),
        ):
            acknowledge(distribution, rule, reason)
        return distribution

    def _outputs(self, distribution, edge_fn, origin_fn, alb):
        outputs = {
            "DistributionDomainName": distribution.distribution_domain_name,
            "DistributionId": distribution.distribution_id,
            "DistributionUrl": f"https://{distribution.distribution_domain_name}",
            "EdgeFunctionName": edge_fn.function_name,
            "EdgeFunctionVersionArn": edge_fn.current_version.function_arn,
            "OriginFunctionName": origin_fn.function_name,
            "OriginLogGroupName": f"/aws/lambda/{origin_fn.function_name}",
            "LoadBalancerDnsName": alb.load_balancer_dns_name,
        }
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
