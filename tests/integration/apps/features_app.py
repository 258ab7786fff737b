"""A CDK app with one distribution that uses every emulated feature; synthesized by the
integration tests, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = Path(__file__).resolve().parent
PRIMARY_DOMAIN = "primary.example.com"
# The /allviewer/* behavior's custom origin, served by the test's own recording origin.
ALL_VIEWER_DOMAIN = "allviewer.example.com"
STACK = "FeatureStack"
# The private keys of the /private/* behavior's key group, written beside the template at
# synth (a fresh pair each synth: test keys, never deployed).
SIGNING_KEYS = {"RsaKey": "rsa-private.pem", "EcKey": "ec-private.pem"}


def _signing_key(outdir, kind):
    private = rsa.generate_private_key(65537, 2048) if kind == "RsaKey" else \
        ec.generate_private_key(ec.SECP256R1())
    Path(outdir, SIGNING_KEYS[kind]).write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    edge = lambda_.Function(stack, "Edge", runtime=lambda_.Runtime.PYTHON_3_13,
                            handler="handler.handler", timeout=cdk.Duration.seconds(5),
                            code=lambda_.Code.from_asset(str(HERE / "features_edge")))
    echo = lambda_.Function(stack, "Echo", runtime=lambda_.Runtime.PYTHON_3_13,
                            handler="handler.handler",
                            code=lambda_.Code.from_asset(str(HERE / "features_origin")))
    echo_origin = origins.FunctionUrlOrigin(
        echo.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE))
    bucket = s3.Bucket(stack, "Site")
    site_origin = origins.S3BucketOrigin.with_origin_access_control(bucket, origin_path="/site")
    s3deploy.BucketDeployment(stack, "Deploy", destination_bucket=bucket,
                              destination_key_prefix="site",
                              sources=[s3deploy.Source.asset(str(HERE / "features_site"))])
    keyed = cloudfront.CachePolicy(
        stack, "Keyed", min_ttl=cdk.Duration.seconds(0), default_ttl=cdk.Duration.seconds(0),
        max_ttl=cdk.Duration.seconds(3600),
        query_string_behavior=cloudfront.CacheQueryStringBehavior.allow_list("v"))
    # Device type and country in the cache key, the answers cached for an hour.
    by_device = cloudfront.CachePolicy(
        stack, "ByDevice", min_ttl=cdk.Duration.seconds(0), default_ttl=cdk.Duration.hours(1),
        max_ttl=cdk.Duration.hours(1),
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list(
            "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-Desktop-Viewer",
            "CloudFront-Viewer-Country"),
        query_string_behavior=cloudfront.CacheQueryStringBehavior.all())
    forward = cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
    with_cloudfront = cloudfront.OriginRequestPolicy(
        stack, "WithCloudFront", header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
            "CloudFront-Forwarded-Proto", "CloudFront-Viewer-TLS",
            "CloudFront-Viewer-Http-Version"))

    def lambdas(*events, include_body=False):
        return [cloudfront.EdgeLambda(function_version=edge.current_version, event_type=e,
                                      include_body=include_body and e.name.endswith("REQUEST"))
                for e in events]
    events = cloudfront.LambdaEdgeEventType
    all_four = lambdas(events.VIEWER_REQUEST, events.ORIGIN_REQUEST, events.ORIGIN_RESPONSE,
                       events.VIEWER_RESPONSE)
    failover = origins.OriginGroup(primary_origin=origins.HttpOrigin(PRIMARY_DOMAIN),
                                   fallback_origin=echo_origin,
                                   fallback_status_codes=[500, 502, 503, 504])
    Path(outdir).mkdir(parents=True, exist_ok=True)
    keys = [cloudfront.PublicKey(stack, kind, encoded_key=_signing_key(outdir, kind))
            for kind in SIGNING_KEYS]
    for kind, key in zip(SIGNING_KEYS, keys):
        cdk.CfnOutput(stack, f"{kind}Id", value=key.public_key_id)
    signers = cloudfront.KeyGroup(stack, "Signers", items=keys)
    cloudfront.Distribution(
        stack, "Dist",
        geo_restriction=cloudfront.GeoRestriction.denylist("KP", "IR"),
        default_behavior=cloudfront.BehaviorOptions(
            origin=echo_origin, cache_policy=keyed, origin_request_policy=forward,
            edge_lambdas=all_four),
        additional_behaviors={
            # Declared broad first: CloudFront takes the first match, so /api/special never
            # reaches its own behavior.
            "/api/*": cloudfront.BehaviorOptions(
                origin=failover, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=forward, edge_lambdas=lambdas(events.ORIGIN_REQUEST)),
            "/api/special": cloudfront.BehaviorOptions(
                origin=echo_origin, edge_lambdas=lambdas(events.VIEWER_REQUEST)),
            "/file?.txt": cloudfront.BehaviorOptions(origin=site_origin),
            "/Case*": cloudfront.BehaviorOptions(origin=site_origin),
            "/body/*": cloudfront.BehaviorOptions(
                origin=echo_origin, allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=forward,
                edge_lambdas=lambdas(events.ORIGIN_REQUEST, include_body=True)),
            # The viewer protocol policies, with CloudFront's headers forwarded to the echo.
            "/https-only/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=with_cloudfront,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY),
            "/redirect/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=with_cloudfront,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS),
            # Private content: only URLs or cookies signed with the key group's keys.
            "/private/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                trusted_key_groups=[signers]),
            "/device/*": cloudfront.BehaviorOptions(origin=echo_origin, cache_policy=by_device),
            "/allviewer/*": cloudfront.BehaviorOptions(
                origin=origins.HttpOrigin(
                    ALL_VIEWER_DOMAIN, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY),
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER),
            "/slow/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                origin_request_policy=forward, edge_lambdas=lambdas(events.ORIGIN_REQUEST)),
        })
    return app
