"""The benchmark's CDK app: one distribution, caching off, the one-header origin-request
function, and a custom origin the emulator maps to the trivial local origin."""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

HERE = Path(__file__).resolve().parent
ORIGIN_DOMAIN = "origin.bench.example"


def build(outdir):
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "PeerBenchStack", env=cdk.Environment(region="us-east-1"))
    edge = lambda_.Function(stack, "Edge", runtime=lambda_.Runtime.PYTHON_3_13,
                            handler="handler.handler",
                            code=lambda_.Code.from_asset(str(HERE), exclude=["*.js", "app.py",
                                                                              "__pycache__"]))
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.HttpOrigin(ORIGIN_DOMAIN,
                                  protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY),
        cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
        edge_lambdas=[cloudfront.EdgeLambda(
            function_version=edge.current_version,
            event_type=cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST)]))
    return app
