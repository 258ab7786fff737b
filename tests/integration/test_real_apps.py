"""Shapes of real CDK apps the emulator must start on and answer without an error of its
own: a cache policy whose TTLs are template parameters, an S3 origin asked for "/" with no
default root object, and two of CDK's own integration apps on the legacy
CloudFrontWebDistribution."""
import pytest
import requests

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from edge_persist import edge_rules
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


@pytest.fixture(scope="session")
def legacy_apps(tmp_path_factory):
    """Two of CDK's own integration apps (integ.cloudfront-custom-s3 and
    integ.cloudfront-lambda-association), on the legacy CloudFrontWebDistribution, in one
    cloud assembly of two stacks."""
    outdir = tmp_path_factory.mktemp("legacy.out")
    app = cdk.App(outdir=str(outdir))
    env = cdk.Environment(region="us-east-1")
    website = cdk.Stack(app, "CustomS3", env=env)
    bucket = s3.Bucket(website, "Bucket", public_read_access=True,
                       block_public_access=s3.BlockPublicAccess(
                           block_public_policy=False, block_public_acls=False,
                           ignore_public_acls=False, restrict_public_buckets=False),
                       website_index_document="index.html", website_error_document="404.html")
    cloudfront.CloudFrontWebDistribution(
        website, "Distribution", viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        origin_configs=[cloudfront.SourceConfiguration(
            behaviors=[cloudfront.Behavior(is_default_behavior=True)],
            custom_origin_source=cloudfront.CustomOriginConfig(
                domain_name=bucket.bucket_website_domain_name,
                origin_protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY))])
    association = cdk.Stack(app, "LambdaAssociation", env=env)
    function = lambda_.Function(association, "Lambda", code=lambda_.Code.from_inline("foo"),
                                handler="index.handler", runtime=lambda_.Runtime.NODEJS_14_X)
    cloudfront.CloudFrontWebDistribution(association, "MyDistribution", origin_configs=[
        cloudfront.SourceConfiguration(
            s3_origin_source=cloudfront.S3OriginConfig(
                s3_bucket_source=s3.Bucket(association, "Bucket")),
            behaviors=[cloudfront.Behavior(
                is_default_behavior=True, lambda_function_associations=[
                    cloudfront.LambdaFunctionAssociation(
                        event_type=cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
                        lambda_function=lambda_.Version(association, "LambdaVersion",
                                                        lambda_=function))])])])
    app.synth()
    return outdir


def test_a_website_bucket_behind_a_legacy_distribution(legacy_apps, moto_url, capfd):
    with Emulator(legacy_apps, moto_url, stack_name="CustomS3") as emulator:
        plain = requests.get(emulator.url.replace("https:", "http:") + "/a", timeout=30,
                             allow_redirects=False)
        secure = requests.get(emulator.url + "/a", timeout=30, verify=emulator.certificate)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    # the empty website's 404, as S3's website endpoint writes it (no 404.html uploaded)
    assert secure.status_code == 404 and b"<li>Code: NoSuchKey</li>" in secure.content
    assert "Traceback" not in capfd.readouterr().err


def test_inline_code_that_fails_at_load_answers_as_lambda_does(legacy_apps, moto_url, capfd):
    with Emulator(legacy_apps, moto_url, stack_name="LambdaAssociation") as emulator:
        answers = [requests.get(emulator.url + "/", timeout=30, verify=emulator.certificate)
                   for _ in range(2)]
    assert [a.status_code for a in answers] == [503, 503]
    assert answers[0].headers["X-Cache"] == edge_rules.EXECUTION_FAILURE[1]
    err = capfd.readouterr().err
    assert "Traceback" not in err and err.count("ReferenceError: foo is not defined") == 1


@pytest.fixture(scope="session")
def conditional_app(tmp_path_factory):
    """An app that decides at deploy time: a condition on a parameter's default picks the
    viewer protocol policy (Fn::If), a mapping gives a TTL (Fn::FindInMap), and a second
    distribution exists only under a condition that is false."""
    outdir = tmp_path_factory.mktemp("conditional.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "ConditionalStack", env=cdk.Environment(region="us-east-1"))
    secure = cdk.CfnParameter(stack, "Secure", default="yes", allowed_values=["yes", "no"])
    https = cdk.CfnCondition(stack, "Https", expression=cdk.Fn.condition_equals(
        secure.value_as_string, "yes"))
    never = cdk.CfnCondition(stack, "Never", expression=cdk.Fn.condition_not(
        cdk.Fn.condition_equals(secure.value_as_string, secure.value_as_string)))
    ttls = cdk.CfnMapping(stack, "Ttls", mapping={"cache": {"seconds": "42"}})
    policy = cloudfront.CachePolicy(
        stack, "Policy", min_ttl=cdk.Duration.seconds(0),
        default_ttl=cdk.Duration.seconds(cdk.Token.as_number(ttls.find_in_map("cache", "seconds"))),
        max_ttl=cdk.Duration.seconds(600))
    bucket = s3.Bucket(stack, "Site")
    main = cloudfront.Distribution(stack, "Main", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.S3BucketOrigin.with_origin_access_control(bucket), cache_policy=policy))
    main.node.default_child.add_property_override(
        "DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy",
        cdk.Fn.condition_if(https.logical_id, "https-only", "allow-all"))
    other = cloudfront.Distribution(stack, "Other", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.S3BucketOrigin.with_origin_access_control(bucket)))
    other.node.default_child.cfn_options.condition = never
    app.synth()
    return outdir


def test_conditions_and_mappings_resolve_as_deployed_with_the_defaults(conditional_app,
                                                                        moto_url):
    with Emulator(conditional_app, moto_url) as emulator:
        (distribution,) = emulator.model.distributions.values()  # "Other" is not deployed
        behavior = distribution.default_behavior
        plain = requests.get(emulator.url.replace("https:", "http:") + "/", timeout=30,
                             allow_redirects=False)
    assert behavior.viewer_protocol_policy == "https-only"
    assert behavior.cache_policy.default_ttl == 42
    assert plain.status_code == 403
