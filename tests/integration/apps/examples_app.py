"""A CDK app of functions written after the CloudFront Developer Guide's own examples ("Lambda@Edge
example functions", Node.js and Python) and AWS's CloudFront Functions samples: each uses the
same runtime surface as the example it stands for (tests/integration/test_guide_examples.py
names which). Synthesized by the tests, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

CODE = Path(__file__).resolve().parent / "examples_code"
STACK = "ExamplesStack"
# Custom origins the functions send requests to, served by the test's recording origins.
ORIGIN_DOMAINS = ("origin.example.com", "www.example.com", "eu.example.com", "fr.example.com")
BUCKET = "examples-bucket"   # the S3 origin origin_switch.js chooses, in the moto server
EVENTS = cloudfront.LambdaEdgeEventType
FUNCTION_EVENTS = cloudfront.FunctionEventType
DEVICE_AND_COUNTRY = ("CloudFront-Viewer-Country", "CloudFront-Is-Desktop-Viewer",
                      "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-Tablet-Viewer",
                      "CloudFront-Is-SmartTV-Viewer")


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    echo = origins.FunctionUrlOrigin(lambda_.Function(
        stack, "Echo", runtime=lambda_.Runtime.PYTHON_3_13, handler="echo.handler",
        code=lambda_.Code.from_asset(str(CODE / "origin"))).add_function_url(
            auth_type=lambda_.FunctionUrlAuthType.NONE))
    custom = origins.HttpOrigin(ORIGIN_DOMAINS[0],
                                protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY)
    by_viewer = cloudfront.CachePolicy(
        stack, "ByViewerKey", min_ttl=cdk.Duration.seconds(0), default_ttl=cdk.Duration.seconds(0),
        max_ttl=cdk.Duration.seconds(1),
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list(*DEVICE_AND_COUNTRY),
        query_string_behavior=cloudfront.CacheQueryStringBehavior.all())
    country_to_origin = cloudfront.OriginRequestPolicy(
        stack, "Country", header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
            "CloudFront-Viewer-Country"),
        query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all())
    every_viewer = cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
    no_cache = cloudfront.CachePolicy.CACHING_DISABLED

    def edge(name, handler, runtime=lambda_.Runtime.NODEJS_22_X):
        return lambda_.Function(stack, name, runtime=runtime, handler=handler, memory_size=128,
                                timeout=cdk.Duration.seconds(5),
                                code=lambda_.Code.from_asset(str(CODE / "edge")))

    def lambda_at(function, event, origin=echo, cache=no_cache, request=every_viewer):
        return cloudfront.BehaviorOptions(
            origin=origin, cache_policy=cache, origin_request_policy=request,
            edge_lambdas=[cloudfront.EdgeLambda(function_version=function.current_version,
                                                event_type=event)])

    def function_at(file, event, runtime, origin=echo, request=every_viewer):
        code = cloudfront.FunctionCode.from_file(file_path=str(CODE / "functions" / file))
        function = cloudfront.Function(stack, file.split(".")[0].title().replace("_", ""),
                                       code=code, runtime=runtime)
        return cloudfront.BehaviorOptions(
            origin=origin, cache_policy=no_cache, origin_request_policy=request,
            function_associations=[cloudfront.FunctionAssociation(function=function,
                                                                  event_type=event)])
    python = lambda_.Runtime.PYTHON_3_13
    v1, v2 = cloudfront.FunctionRuntime.JS_1_0, cloudfront.FunctionRuntime.JS_2_0
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=echo, cache_policy=no_cache), additional_behaviors={
            "/ab/*": lambda_at(edge("Experiment", "experiment.handler"), EVENTS.VIEWER_REQUEST),
            "/copy/*": lambda_at(edge("CopyHeader", "copy_header.handler"),
                                 EVENTS.ORIGIN_RESPONSE),
            "/gen/*": lambda_at(edge("Generate", "generate.handler"), EVENTS.VIEWER_REQUEST),
            "/query/*": lambda_at(edge("Query", "query.handler"), EVENTS.VIEWER_REQUEST),
            "/signin/*": lambda_at(edge("SignIn", "signin.handler"), EVENTS.VIEWER_REQUEST),
            "/viewer/*": lambda_at(edge("ByViewer", "by_viewer.handler"), EVENTS.ORIGIN_REQUEST,
                                   cache=by_viewer),
            "/switch/*": lambda_at(edge("OriginSwitch", "origin_switch.handler"),
                                   EVENTS.ORIGIN_REQUEST, origin=custom, cache=by_viewer),
            "/errors/*": lambda_at(edge("Errors", "errors.handler"), EVENTS.ORIGIN_RESPONSE),
            "/py/gen/*": lambda_at(edge("PyGenerate", "python_examples.generate", python),
                                   EVENTS.VIEWER_REQUEST),
            "/py/query/*": lambda_at(edge("PyQuery", "python_examples.query_to_header", python),
                                     EVENTS.VIEWER_REQUEST),
            "/py/errors/*": lambda_at(edge("PyErrors", "python_examples.error_to_ok", python),
                                      EVENTS.ORIGIN_RESPONSE),
            "/cf/headers/*": function_at("response_headers.js", FUNCTION_EVENTS.VIEWER_RESPONSE,
                                         v1),
            "/cf/*": function_at("request_rewrites.js", FUNCTION_EVENTS.VIEWER_REQUEST, v2),
            "/token/*": function_at("verify_token.js", FUNCTION_EVENTS.VIEWER_REQUEST, v1),
            "/norm/*": function_at("normalize_query.js", FUNCTION_EVENTS.VIEWER_REQUEST, v1),
            "/country/*": function_at("by_country.js", FUNCTION_EVENTS.VIEWER_REQUEST, v2,
                                      origin=custom, request=country_to_origin),
        })
    return app
