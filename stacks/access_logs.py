"""The distribution's standard logs, opt-in (cdk.json context `accessLogs`, default off: they
cost storage on AWS): a bucket that CloudFront's log delivery can write to, and the prefix.

CloudFront's standard logging (legacy) writes with the bucket's ACL, so the bucket must let
the bucket owner's ACLs work (ObjectOwnership BucketOwnerPreferred; CloudFront Developer
Guide, "Permissions required to configure standard logging and to access your log files").
"""
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.common import acknowledge

PREFIX = "cloudfront/"
# A measuring kit's logs: kept a week, like the origin's log group.
RETENTION_DAYS = 7


class AccessLogs(Construct):
    """Attributes: `bucket`, `prefix`."""

    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.prefix = PREFIX
        self.bucket = s3.Bucket(
            self, "Bucket", object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(RETENTION_DAYS))],
            removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
        acknowledge(self.bucket, "AwsSolutions-S1",
                    "This bucket holds CloudFront's access logs; logging its own access "
                    "would need another bucket for a measuring kit's logs.")
