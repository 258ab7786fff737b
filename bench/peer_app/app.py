"""The benchmark's CDK app: one distribution, caching off, the one-header origin-request
function (Python or JavaScript), and a custom origin the emulator maps to the trivial local
origin."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent
ORIGIN_DOMAIN = "origin.bench.example"


# language -> (runtime, the files the code asset leaves out): the same one-header handler.
LANGUAGES = {
    "python": (lambda_.Runtime.PYTHON_3_13, ["*.js", "app.py", "__pycache__"]),
    "javascript": (lambda_.Runtime.NODEJS_22_X, ["*.py", "origin.js", "peer.js",
                                                 "__pycache__"]),
}


def build(outdir, language="python"):
    runtime, exclude = LANGUAGES[language]
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "PeerBenchStack", env=cdk.Environment(region="us-east-1"))
    edge = lambda_.Function(stack, "Edge", runtime=runtime, handler="handler.handler",
                            code=lambda_.Code.from_asset(str(HERE), exclude=exclude))
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.HttpOrigin(ORIGIN_DOMAIN,
                                  protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY),
        cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
        edge_lambdas=[cloudfront.EdgeLambda(
            function_version=edge.current_version,
            event_type=cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST)]))
    return app
