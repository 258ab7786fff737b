"""The distribution's standard logs, opt-in (cdk.json context `accessLogs`, default off: they
cost storage on AWS): a bucket that CloudFront's log delivery can write to, and the prefix.
`accessLogs` is `legacy` (or `true`), `v2`, or both, `legacy,v2`.

CloudFront's standard logging (legacy) writes with the bucket's ACL, so the bucket must let
the bucket owner's ACLs work (ObjectOwnership BucketOwnerPreferred; CloudFront Developer
Guide, "Permissions required to configure standard logging and to access your log files").

Standard logging (v2) ("Configure standard logging (v2)") goes through CloudWatch vended
logs: a delivery source (the distribution, log type ACCESS_LOGS), a delivery destination
(here the same bucket, in Parquet), and the delivery between them, which names the fields
and partitions the path by distribution and hour with Hive-compatible names. The bucket's
policy lets `delivery.logs.amazonaws.com` put objects under the v2 prefix, for this account's
delivery sources only (CloudWatch Logs User Guide, "Logs sent to Amazon S3").
"""
from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common import acknowledge

PREFIX = "cloudfront/"
V2_PREFIX = "cloudfront-v2"
KINDS = ("legacy", "v2")
# Partitions a query engine can prune: one folder per distribution and hour.
V2_SUFFIX_PATH = "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
# What the forecast reads (the time to the millisecond, where, whether the origin was asked,
# the session), and what a reader of the logs asks next.
V2_FIELDS = ["timestamp(ms)", "date", "time", "x-edge-location", "c-ip", "cs(Cookie)",
             "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type",
             "x-edge-detailed-result-type", "x-edge-request-id", "time-taken",
             "cs(User-Agent)", "c-country", "cache-behavior-path-pattern"]
# A measuring kit's logs: kept a week, like the origin's log group.
RETENTION_DAYS = 7


def parse_kinds(text):
    """The accessLogs context value as the set of kinds it asks for."""
    text = str(text or "false").strip().lower()
    if text in ("false", "", "none"):
        return frozenset()
    kinds = {"legacy" if k.strip() == "true" else k.strip() for k in text.split(",")}
    if not kinds <= set(KINDS):
        raise ValueError(f"accessLogs must be false, true, legacy, v2 or legacy,v2, not "
                         f"{text!r}")
    return frozenset(kinds)


class AccessLogs(Construct):
    """Attributes: `bucket`, `prefix` (legacy), `kinds`; `deliver_v2()` adds the v2
    delivery once the distribution exists."""

    def __init__(self, scope, construct_id, kinds=frozenset({"legacy"})):
        super().__init__(scope, construct_id)
        self.prefix, self.kinds = PREFIX, kinds
        self.bucket = s3.Bucket(
            self, "Bucket", object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(RETENTION_DAYS))],
            removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
        acknowledge(self.bucket, "AwsSolutions-S1",
                    "This bucket holds CloudFront's access logs; logging its own access "
                    "would need another bucket for a measuring kit's logs.")

    @property
    def v2_url(self):
        return f"s3://{self.bucket.bucket_name}/{V2_PREFIX}/"

    def deliver_v2(self, distribution, name):
        """The distribution's standard logging (v2) into the bucket: Parquet, Hive-compatible
        partitions of V2_SUFFIX_PATH, the fields of V2_FIELDS. `name` names the source and
        the destination (letters, digits, - and _)."""
        self.bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="AWSLogsDeliveryWrite", actions=["s3:PutObject"],
            principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
            resources=[self.bucket.arn_for_objects(f"{V2_PREFIX}/*")],
            conditions={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                         "aws:SourceAccount": Aws.ACCOUNT_ID},
                        "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:"
                                                     f"{Aws.ACCOUNT_ID}:delivery-source:*"}}))
        source = logs.CfnDeliverySource(
            self, "V2Source", name=f"{name}-access-logs", log_type="ACCESS_LOGS",
            resource_arn=f"arn:{Aws.PARTITION}:cloudfront::{Aws.ACCOUNT_ID}:distribution/"
                         f"{distribution.distribution_id}")
        destination = logs.CfnDeliveryDestination(
            self, "V2Destination", name=f"{name}-access-logs-s3", output_format="parquet",
            destination_resource_arn=f"{self.bucket.bucket_arn}/{V2_PREFIX}")
        delivery = logs.CfnDelivery(
            self, "V2Delivery", delivery_source_name=source.name,
            delivery_destination_arn=destination.attr_arn, record_fields=V2_FIELDS,
            s3_suffix_path=V2_SUFFIX_PATH, s3_enable_hive_compatible_path=True)
        delivery.node.add_dependency(source)
        if self.bucket.policy is not None:  # the bucket must take the files first
            delivery.node.add_dependency(self.bucket.policy)
