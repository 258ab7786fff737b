"""A CDK app whose Lambda@Edge functions and origin are Node.js: the article's function, a
callback handler, an ES module, inline code, a generated response, a timeout and each init
failure, one behavior each. Synthesized by the integration tests, never deployed."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent
CODE = HERE / "node_code"
STACK = "NodeStack"
INLINE = """
exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  response.headers['x-node-inline'] = [{ key: 'X-Node-Inline', value: 'viewer-response' }];
  return response;
};
"""
# path pattern -> handler of a function that cannot start, and the error Lambda names
INIT_FAILURES = {
    "/init/import/*": ("missing.handler", "Runtime.ImportModuleError"),
    "/init/notfound/*": ("broken/nohandler.handler", "Runtime.HandlerNotFound"),
    "/init/malformed/*": ("broken", "Runtime.MalformedHandlerName"),
    "/init/syntax/*": ("broken/syntax.handler", "Runtime.UserCodeSyntaxError"),
    "/init/throws/*": ("broken/throws.handler", "RangeError"),
}


def _edge(stack, name, handler, timeout=5, code=None):
    function = lambda_.Function(stack, name, runtime=lambda_.Runtime.NODEJS_22_X,
                                handler=handler, code=code or lambda_.Code.from_asset(str(CODE)),
                                memory_size=128, timeout=cdk.Duration.seconds(timeout))
    return function.current_version


def _association(version, event_type):
    return cloudfront.EdgeLambda(function_version=version, event_type=event_type)


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, STACK, env=cdk.Environment(region="us-east-1"))
    echo = lambda_.Function(stack, "Origin", runtime=lambda_.Runtime.NODEJS_24_X,
                            handler="origin.handler", code=lambda_.Code.from_asset(str(CODE)))
    origin = origins.FunctionUrlOrigin(
        echo.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE))
    events = cloudfront.LambdaEdgeEventType
    article = _edge(stack, "Article", "article.handler", timeout=1)
    edges = [
        _association(_edge(stack, "Callback", "callback.handler"), events.VIEWER_REQUEST),
        _association(article, events.ORIGIN_REQUEST),
        _association(_edge(stack, "Esm", "esm/response.handler"), events.ORIGIN_RESPONSE),
        _association(_edge(stack, "Inline", "index.handler",
                           code=lambda_.Code.from_inline(INLINE)), events.VIEWER_RESPONSE),
    ]
    forward = cloudfront.OriginRequestPolicy(
        stack, "Forward", header_behavior=cloudfront.OriginRequestHeaderBehavior.allow_list(
            "x-node-context"))
    behavior = dict(origin=origin, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=forward)
    additional = {
        pattern: cloudfront.BehaviorOptions(**behavior, edge_lambdas=[_association(
            _edge(stack, f"Init{i}", handler), events.ORIGIN_REQUEST)])
        for i, (pattern, (handler, _)) in enumerate(INIT_FAILURES.items())}
    cloudfront.Distribution(stack, "Dist",
                            default_behavior=cloudfront.BehaviorOptions(**behavior,
                                                                        edge_lambdas=edges),
                            additional_behaviors=additional)
    return app


def build_edge_function(outdir, event_type=None, timeout_s=3):
    """CDK's EdgeFunction, the usual way to write Lambda@Edge from a stack outside us-east-1:
    CDK puts the function in a us-east-1 stack of its own and the distribution's stack reads
    the version ARN through an SSM parameter reader."""
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "EdgeFunctionStack",
                      env=cdk.Environment(account="123456789012", region="eu-west-1"))
    edge = cloudfront.experimental.EdgeFunction(
        stack, "Article", runtime=lambda_.Runtime.NODEJS_22_X, handler="article.handler",
        code=lambda_.Code.from_asset(str(CODE)), timeout=cdk.Duration.seconds(timeout_s))
    echo = lambda_.Function(stack, "Origin", runtime=lambda_.Runtime.NODEJS_24_X,
                            handler="origin.handler", code=lambda_.Code.from_asset(str(CODE)))
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.FunctionUrlOrigin(
            echo.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)),
        cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
        edge_lambdas=[cloudfront.EdgeLambda(
            function_version=edge.current_version,
            event_type=event_type or cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST)]))
    return app
