"""Lambda@Edge, CloudFront and ALB rules (shared/EDGE_FACTS.md), in one place.

The emulator's validator, the preflight linter and the tests import these; nothing else
restates them.
"""
from edge_persist.contract import HOME_REGION

# Triggers and their limits (CloudFront quotas page). Memory in MB, timeout in s,
# zipped package and generated response in bytes.
VIEWER_REQUEST, VIEWER_RESPONSE = "viewer-request", "viewer-response"
ORIGIN_REQUEST, ORIGIN_RESPONSE = "origin-request", "origin-response"
VIEWER_TRIGGERS = (VIEWER_REQUEST, VIEWER_RESPONSE)
ORIGIN_TRIGGERS = (ORIGIN_REQUEST, ORIGIN_RESPONSE)
RESPONSE_TRIGGERS = (VIEWER_RESPONSE, ORIGIN_RESPONSE)
LIMITS = {
    "viewer": {"memory_mb": 128, "timeout_s": 5, "zipped_bytes": 1 << 20,
               "generated_response_bytes": 40 * 1024},
    "origin": {"memory_mb": 10240, "timeout_s": 30, "zipped_bytes": 50 << 20,
               "generated_response_bytes": 1 << 20},
}
MAX_EPHEMERAL_STORAGE_MB = 512


def limits_for(event_type):
    return LIMITS["viewer" if event_type in VIEWER_TRIGGERS else "origin"]


# The documented Lambda@Edge runtimes; python3.14 at the edge is unconfirmed (EDGE_FACTS.md).
EDGE_RUNTIMES = frozenset({
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
    "nodejs18.x", "nodejs20.x", "nodejs22.x",
})
EDGE_ARCHITECTURE = "x86_64"
EDGE_REGION = HOME_REGION  # Lambda@Edge functions can only be created there
EDGE_SERVICE_PRINCIPAL = "edgelambda.amazonaws.com"

# Headers a function may not add or change (lowercase).
DISALLOWED_HEADERS = frozenset({
    "connection", "expect", "keep-alive", "trailer", "upgrade",
    "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "x-accel-buffering", "x-accel-charset", "x-accel-limit-rate", "x-accel-redirect",
    "x-amzn-auth", "x-amzn-cf-billing", "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype",
    "x-amzn-fle-profile", "x-amzn-header-count", "x-amzn-header-order",
    "x-amzn-lambda-integration-tag", "x-amzn-requestid",
    "x-cache", "x-forwarded-proto", "x-real-ip",
})
DISALLOWED_HEADER_PREFIXES = ("x-amz-cf-", "x-edge-")
# Headers an origin-request function may read but not change or delete (lowercase).
READ_ONLY_ORIGIN_REQUEST_HEADERS = frozenset({
    "accept-encoding", "content-length", "transfer-encoding", "via",
    "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
})
READ_ONLY_VIEWER_REQUEST_HEADERS = frozenset({"content-length", "host", "transfer-encoding", "via"})
READ_ONLY_REQUEST_FIELDS = ("clientIp", "method")
MAX_HEADERS_AND_QUERY_BYTES = 20_480


def is_disallowed_header(name):
    name = name.lower()
    return name in DISALLOWED_HEADERS or name.startswith(DISALLOWED_HEADER_PREFIXES)


def read_only_headers(event_type):
    return READ_ONLY_VIEWER_REQUEST_HEADERS if event_type == VIEWER_REQUEST \
        else READ_ONLY_ORIGIN_REQUEST_HEADERS


# What CloudFront answers when a function fails (status, X-Cache).
VALIDATION_FAILURE = (502, "LambdaValidationError from CloudFront")
EXECUTION_FAILURE = (503, "LambdaExecutionError from CloudFront")
LIMIT_FAILURE = (503, "LambdaLimitExceeded from CloudFront")

# Managed CloudFront policies, by id.
MANAGED_CACHE_POLICIES = {
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {  # CachingDisabled
        "min_ttl": 0, "default_ttl": 0, "max_ttl": 0},
    "658327ea-f89d-4fab-a63d-7e88639e58f6": {  # CachingOptimized
        "min_ttl": 1, "default_ttl": 86400, "max_ttl": 31536000},
}
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": "allViewer",
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": "allViewerExceptHost",
}

# ALB facts.
ALB_MAX_LAMBDA_RESPONSE_BYTES = 1 << 20
ALB_DROP_INVALID_HEADERS = "routing.http.drop_invalid_header_fields.enabled"
ALB_MULTI_VALUE_HEADERS = "lambda.multi_value_headers.enabled"
