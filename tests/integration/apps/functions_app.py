"""A CDK app with CloudFront Functions and a KeyValueStore; synthesized by the integration
tests, never deployed."""
import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent
ALT_DOMAIN = "alt.example.com"
STACK = "FunctionsStack"
INITIAL = {"greeting": "hello", "config": json.dumps({"n": 1})}


def _function(stack, name, file, store):
    return cloudfront.Function(
        stack, name, runtime=cloudfront.FunctionRuntime.JS_2_0, key_value_store=store,
        code=cloudfront.FunctionCode.from_file(file_path=str(HERE / "functions_code" / file)))


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    store = cloudfront.KeyValueStore(
        stack, "Store", source=cloudfront.ImportSource.from_inline(json.dumps(
            {"data": [{"key": k, "value": v} for k, v in INITIAL.items()]})))
    echo = lambda_.Function(stack, "Echo", runtime=lambda_.Runtime.PYTHON_3_13,
                            handler="handler.handler",
                            code=lambda_.Code.from_asset(str(HERE / "features_origin")))
    echo_origin = origins.FunctionUrlOrigin(
        echo.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE))
    alt = origins.HttpOrigin(ALT_DOMAIN, origin_id="alt")
    # Every request a hit after the first: the benchmark's two behaviors differ only in the
    # viewer-request function.
    long = cloudfront.CachePolicy(stack, "Long", min_ttl=cdk.Duration.hours(1),
                                  default_ttl=cdk.Duration.hours(1),
                                  max_ttl=cdk.Duration.hours(2))
    router = _function(stack, "Router", "router.js", store)
    forward = cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
    events = cloudfront.FunctionEventType
    cloudfront.Distribution(
        stack, "Dist",
        default_behavior=cloudfront.BehaviorOptions(
            origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=forward,
            function_associations=[cloudfront.FunctionAssociation(
                function=router, event_type=events.VIEWER_REQUEST)]),
        additional_behaviors={
            "/cached/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                function_associations=[cloudfront.FunctionAssociation(
                    function=_function(stack, "Stamp", "stamp.js", store),
                    event_type=events.VIEWER_RESPONSE)]),
            "/hit/*": cloudfront.BehaviorOptions(
                origin=echo_origin, cache_policy=long,
                function_associations=[cloudfront.FunctionAssociation(
                    function=router, event_type=events.VIEWER_REQUEST)]),
            "/static/*": cloudfront.BehaviorOptions(origin=echo_origin, cache_policy=long),
            "/plain/*": cloudfront.BehaviorOptions(
                origin=alt, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED),
        })
    return app
