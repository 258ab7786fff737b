"""A single-page app as CDK users write it: an S3 origin with OAC, and custom error responses
that answer a missing object (403 from S3) with /index.html and 200, and a 404 with
/missing.html, kept 30 s; viewers from KP are kept out. Synthesized by the conformance tests, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

SITE = Path(__file__).resolve().parent / "spa_site"


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "SpaStack", env=cdk.Environment(region="us-east-1"))
    bucket = s3.Bucket(stack, "Site")
    s3deploy.BucketDeployment(stack, "Deploy", destination_bucket=bucket,
                              sources=[s3deploy.Source.asset(str(SITE))])
    cloudfront.Distribution(
        stack, "Dist", default_root_object="index.html",
        geo_restriction=cloudfront.GeoRestriction.denylist("KP"),
        default_behavior=cloudfront.BehaviorOptions(
            origin=origins.S3BucketOrigin.with_origin_access_control(bucket)),
        error_responses=[
            cloudfront.ErrorResponse(http_status=403, response_http_status=200,
                                     response_page_path="/index.html",
                                     ttl=cdk.Duration.seconds(0)),
            cloudfront.ErrorResponse(http_status=404, response_http_status=404,
                                     response_page_path="/missing.html",
                                     ttl=cdk.Duration.seconds(30))])
    return app
