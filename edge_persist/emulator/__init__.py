"""A local CloudFront + Lambda@Edge + ALB that runs the synthesized stack from cdk.out/.

Imports nothing from stacks/: it reads the template CloudFormation would receive.

One subpackage per concept, named as CloudFront and Lambda name it:
- frontend/              the HTTP/1.1 front end and the message types every tier passes on;
- cloudfront/            one distribution's request path as CloudFront's stages, and what
                         they read: behaviors, policies, cache, origins, S3 buckets, the
                         control API, the features that are not emulated;
- lambda_edge/           Lambda@Edge triggers: events, runs and CloudFront's validation;
- cloudfront_functions/  CloudFront Functions: the node runtime, events, checks, and
                         KeyValueStore;
- environments/          Lambda execution environments (pools of real processes) and the
                         per-language workers that run a handler;
- alb/                   the Application Load Balancer in front of Lambda targets;
- services/              the local AWS services: the moto server and log shipping.
Beside them: template.py reads cdk.out/, server.py wires everything together, ids.py makes
CloudFront's and Lambda's request ids, and __main__.py is the command line.
"""
