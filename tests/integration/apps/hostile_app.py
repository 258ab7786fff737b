"""A CDK app of hostile functions: Python and Node.js Lambda@Edge on every trigger, a
CloudFront Function on both viewer triggers, Function URL origins in both languages, and a
custom origin the test serves itself, at times misbehaving. Each function answers what the
request's x-hostile header asks (hostile_code/hostile.py). Synthesized by
tests/integration/test_hostile_results.py, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

CODE = Path(__file__).resolve().parent / "hostile_code"
STACK = "HostileStack"
RAW_DOMAIN = "raw.example.com"
# CloudFront's shortest read timeout: a silent origin is a 504 in a second.
RAW_READ_TIMEOUT_S = 1
EVENTS = cloudfront.LambdaEdgeEventType
EVERY_TRIGGER = (EVENTS.VIEWER_REQUEST, EVENTS.ORIGIN_REQUEST, EVENTS.ORIGIN_RESPONSE,
                 EVENTS.VIEWER_RESPONSE)


# The lingering callback handler's timeout: how long its viewers wait for the 503.
LINGER_TIMEOUT_S = 1


def _lambda(stack, name, runtime, handler, timeout_s=5):
    return lambda_.Function(stack, name, runtime=runtime, handler=handler, memory_size=128,
                            timeout=cdk.Duration.seconds(timeout_s), code=lambda_.Code.from_asset(
                                str(CODE)))


def _every_trigger(function):
    return [cloudfront.EdgeLambda(function_version=function.current_version, event_type=event)
            for event in EVERY_TRIGGER]


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    python, node = lambda_.Runtime.PYTHON_3_13, lambda_.Runtime.NODEJS_22_X
    raw = origins.HttpOrigin(RAW_DOMAIN, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
                             read_timeout=cdk.Duration.seconds(RAW_READ_TIMEOUT_S))
    uncached = dict(cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER)
    function_url = dict(cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                        origin_request_policy=cloudfront.OriginRequestPolicy
                        .ALL_VIEWER_EXCEPT_HOST_HEADER)
    viewer = cloudfront.Function(
        stack, "Viewer", runtime=cloudfront.FunctionRuntime.JS_2_0,
        code=cloudfront.FunctionCode.from_file(file_path=str(CODE / "viewer.js")))

    def url_origin(name, runtime, handler):
        return origins.FunctionUrlOrigin(_lambda(stack, name, runtime, handler).add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.NONE))
    cloudfront.Distribution(
        stack, "Dist",
        default_behavior=cloudfront.BehaviorOptions(origin=raw, **uncached),
        additional_behaviors={
            "/py/*": cloudfront.BehaviorOptions(origin=raw, **uncached, edge_lambdas=(
                _every_trigger(_lambda(stack, "PyEdge", python, "hostile.handler")))),
            "/js/*": cloudfront.BehaviorOptions(origin=raw, **uncached, edge_lambdas=(
                _every_trigger(_lambda(stack, "JsEdge", node, "hostile.handler")))),
            "/cff/*": cloudfront.BehaviorOptions(
                origin=url_origin("PyUrl", python, "hostile.origin"), **function_url,
                function_associations=[cloudfront.FunctionAssociation(function=viewer,
                                                                      event_type=event)
                                       for event in (cloudfront.FunctionEventType.VIEWER_REQUEST,
                                                     cloudfront.FunctionEventType.VIEWER_RESPONSE)]),
            "/jsurl/*": cloudfront.BehaviorOptions(
                origin=url_origin("JsUrl", node, "hostile.origin"), **function_url),
            **{f"/{handler}/*": cloudfront.BehaviorOptions(origin=raw, **uncached, edge_lambdas=[
                cloudfront.EdgeLambda(function_version=_lambda(
                    stack, handler.title(), node, f"hostile.{handler}",
                    LINGER_TIMEOUT_S).current_version, event_type=EVENTS.ORIGIN_REQUEST)])
               for handler in ("lingering", "leaving")},
            "/cached/*": cloudfront.BehaviorOptions(
                origin=raw, cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED),
        })
    return app
