"""The origin and its lock: a VPC, an internet-facing ALB that admits only CloudFront's
origin-facing addresses and requests carrying the shared secret, and the origin function
behind it."""
from aws_cdk import (
    Duration, RemovalPolicy, Stack,
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

from stacks.common import ASSET_EXCLUDES, ROOT, RUNTIME, acknowledge

# CloudFront's managed prefix list of origin-facing addresses; its id differs per region.
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
ORIGIN_VERIFY_HEADER = "x-origin-verify"


class Origin(Construct):
    """Attributes: `secret`, `function`, `log_group`, `vpc`, `alb`."""

    def __init__(self, scope, construct_id, *, stack_name, secret_generation):
        super().__init__(scope, construct_id)
        self.secret = self._secret(secret_generation)
        self.function, self.log_group = self._function(stack_name)
        self.vpc, self.alb = self._load_balancer()

    def _secret(self, generation):
        # A new construct id per generation makes CloudFormation create a new secret (a new
        # dynamic reference), so rotating is one context value and one deploy.
        secret = secretsmanager.Secret(
            self, f"VerifySecret{generation}",
            description="Shared secret CloudFront sends to the ALB in x-origin-verify",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=40),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(secret, "AwsSolutions-SMG4",
                    "Rotation must update CloudFront and the ALB rule together; it is done by "
                    "deploying a new originSecretGeneration (README, 'Rotating the origin secret').")
        return secret

    def _function(self, stack_name):
        name = f"{stack_name}-origin"
        log_group = logs.LogGroup(
            self, "LogGroup", log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_WEEK, removal_policy=RemovalPolicy.DESTROY)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[f"{log_group.log_group_arn}"]))
        fn = lambda_.Function(
            self, "Function", function_name=name, runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64, handler="handler.handler",
            code=lambda_.Code.from_asset(str(ROOT / "origin_lambda"), exclude=ASSET_EXCLUDES),
            memory_size=128, timeout=Duration.seconds(10), role=role, log_group=log_group)
        acknowledge(fn, "AwsSolutions-L1",
                    "python3.13 is the newest runtime confirmed for Lambda@Edge; both functions "
                    "use the same one so the local emulator and the tests run one Python.")
        group_id = Stack.of(self).get_logical_id(log_group.node.default_child)
        acknowledge(role.node.find_child("DefaultPolicy"),
                    f"AwsSolutions-IAM5[Resource::<{group_id}.Arn>]",
                    "The log group ARN ends in :* (all its streams); it names one group.")
        return fn, log_group

    def _load_balancer(self):
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
            "Origin", priority=1, targets=[elb_targets.LambdaTarget(self.function)],
            conditions=[elbv2.ListenerCondition.http_header(
                ORIGIN_VERIFY_HEADER, [self.secret.secret_value.unsafe_unwrap()])])
        return vpc, alb

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
        provider = Stack.of(self).node.find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", ""))
        acknowledge(provider, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                              "service-role/AWSLambdaBasicExecutionRole]",
                    "CDK's AwsCustomResource provider role; it only writes its own logs.")
        return lookup.get_response_field("PrefixLists.0.PrefixListId")
