"""A user's site: an S3 bucket behind OAC, two Lambda@Edge functions written with CDK's
EdgeFunction (Node.js on viewer-request, Python on origin-response) and a CloudFront
Function on viewer-response, in a stack outside us-east-1."""
import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

app = cdk.App()
stack = cdk.Stack(app, "SiteStack",
                  env=cdk.Environment(account="123456789012", region="eu-west-1"))
bucket = s3.Bucket(stack, "Site")
s3deploy.BucketDeployment(stack, "Deploy", sources=[s3deploy.Source.asset("site")],
                          destination_bucket=bucket)
rewrite = cloudfront.experimental.EdgeFunction(
    stack, "Rewrite", runtime=lambda_.Runtime.NODEJS_22_X, handler="rewrite.handler",
    code=lambda_.Code.from_asset("edge_code"))
stamp = cloudfront.experimental.EdgeFunction(
    stack, "Stamp", runtime=lambda_.Runtime.PYTHON_3_13, handler="stamp.handler",
    code=lambda_.Code.from_asset("edge_code"))
headers = cloudfront.Function(
    stack, "Headers", runtime=cloudfront.FunctionRuntime.JS_2_0,
    code=cloudfront.FunctionCode.from_file(file_path="viewer/headers.js"))
events = cloudfront.LambdaEdgeEventType
cloudfront.Distribution(
    stack, "Dist", default_root_object="index.html",
    default_behavior=cloudfront.BehaviorOptions(
        origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
        edge_lambdas=[
            cloudfront.EdgeLambda(function_version=rewrite.current_version,
                                  event_type=events.VIEWER_REQUEST),
            cloudfront.EdgeLambda(function_version=stamp.current_version,
                                  event_type=events.ORIGIN_RESPONSE)],
        function_associations=[cloudfront.FunctionAssociation(
            function=headers, event_type=cloudfront.FunctionEventType.VIEWER_RESPONSE)]))
app.synth()
