"""A CDK app whose distribution reaches S3 website endpoints: a public site (index and error
documents, a routing rule), the same files in a bucket without public read, and a bucket that
redirects every request; synthesized by the conformance suite, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

SITE = Path(__file__).resolve().parent / "website_site"
STACK = "WebsiteStack"


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    public = s3.Bucket(
        stack, "Public", website_index_document="index.html", website_error_document="error.html",
        public_read_access=True, block_public_access=s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
        website_routing_rules=[s3.RoutingRule(
            condition=s3.RoutingRuleCondition(key_prefix_equals="old/"),
            replace_key=s3.ReplaceKey.prefix_with("docs/"))])
    private = s3.Bucket(stack, "Private", website_index_document="index.html")
    moved = s3.Bucket(stack, "Moved", website_redirect=s3.RedirectTarget(
        host_name="example.com", protocol=s3.RedirectProtocol.HTTPS))
    for bucket in (public, private):
        s3deploy.BucketDeployment(stack, f"Deploy{bucket.node.id}", destination_bucket=bucket,
                                  sources=[s3deploy.Source.asset(str(SITE))])
    no_cache = cloudfront.CachePolicy.CACHING_DISABLED
    cloudfront.Distribution(
        stack, "Dist",
        default_behavior=cloudfront.BehaviorOptions(
            origin=origins.S3StaticWebsiteOrigin(public), cache_policy=no_cache),
        additional_behaviors={
            "/private/*": cloudfront.BehaviorOptions(
                origin=origins.S3StaticWebsiteOrigin(private), cache_policy=no_cache),
            "/moved/*": cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(moved.bucket_website_domain_name,
                                          protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY),
                cache_policy=no_cache),
        })
    return app
