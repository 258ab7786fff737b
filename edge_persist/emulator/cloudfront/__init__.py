"""The CloudFront tier: one distribution's request path, stage by stage in CloudFront's order
(stages.py), and the rules each stage reads: behaviors, cache and origin request policies,
the cache, origins and origin groups, S3 buckets as origins, the control API (invalidations),
and the list of features that are read but not emulated.

May import frontend/, lambda_edge/ and cloudfront_functions/ (the functions a behavior
runs), and the shared facts in edge_persist (edge_rules, cfn, aws). Not environments/: the
functions' runners are handed in by server.py.
"""
