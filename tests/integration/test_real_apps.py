"""Shapes of real CDK apps the emulator must start on and answer without an error of its
own: a cache policy whose TTLs are template parameters, an S3 origin asked for "/" with no
default root object."""
import pytest
import requests

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3

from edge_persist.emulator.server import Emulator


@pytest.fixture(scope="session")
def parameter_app(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("params.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "ParamStack", env=cdk.Environment(region="us-east-1"))
    ttl = cdk.CfnParameter(stack, "Ttl", type="Number", default=60)
    policy = cloudfront.CachePolicy(stack, "Policy", min_ttl=cdk.Duration.seconds(0),
                                    default_ttl=cdk.Duration.seconds(ttl.value_as_number),
                                    max_ttl=cdk.Duration.seconds(ttl.value_as_number))
    bucket = s3.Bucket(stack, "Site")
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.S3BucketOrigin.with_origin_access_control(bucket), cache_policy=policy))
    app.synth()
    return outdir


def test_parameter_ttls_resolve_to_their_defaults(parameter_app, moto_url):
    with Emulator(parameter_app, moto_url) as emulator:
        (distribution,) = emulator.model.distributions.values()
        policy = distribution.default_behavior.cache_policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (0, 60, 60)


def test_the_bucket_root_answers_as_s3_does(parameter_app, moto_url):
    with Emulator(parameter_app, moto_url) as emulator:
        root = requests.get(emulator.url + "/", timeout=30)
    # the OAC policy grants s3:GetObject only: S3 refuses to list the bucket
    assert root.status_code == 403 and b"<Code>AccessDenied</Code>" in root.content
    assert root.headers["X-Cache"] == "Error from cloudfront"
