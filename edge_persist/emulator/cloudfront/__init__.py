"""The CloudFront tier: one distribution's request path, stage by stage in CloudFront's order
(distribution.py), and the rules each stage reads: the viewer (country, protocol,
CloudFront-* headers), behaviors, signed URLs and cookies, cache and origin request policies,
the cache, origins and origin groups, S3 buckets and their website endpoints as origins,
delivery (ranges, compression), response headers policies, standard logs, the control API
(invalidations), and the list of features that are read but not emulated.

May import frontend/, lambda_edge/ and cloudfront_functions/ (the functions a behavior
runs), and the shared facts in edge_persist (edge_rules, cfn, aws). Not environments/: the
functions' runners are handed in by server.py.
"""
