"""CloudFront Functions: the node:vm runtime (cff_runtime.mjs) and its worker pool, the
event shapes and CloudFront's checks on a function's result, and KeyValueStore (the stores,
their data-plane API and what a function reads).

May import frontend/, lambda_edge.triggers (the shared failure answers),
environments.languages (the local node), and the shared
facts in edge_persist (edge_rules, cfn, kvs_import, errors).
"""
