"""A local CloudFront + Lambda@Edge + ALB that runs the synthesized stack from cdk.out/.

Imports nothing from stacks/: it reads the template CloudFormation would receive.
"""
