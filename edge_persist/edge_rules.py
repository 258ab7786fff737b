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


EDGE_ARCHITECTURE = "x86_64"
# Runtime management other than Auto (RuntimeManagementConfig.UpdateRuntimeOn) is refused at
# the edge ("Restrictions on Lambda@Edge", Lambda features).
EDGE_RUNTIME_MANAGEMENT = "Auto"
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
# Headers a function may read but not add, change or delete, per event (lowercase).
# CloudFront guide, "Restrictions on all edge functions", HTTP headers.
READ_ONLY_HEADERS = {
    VIEWER_REQUEST: frozenset({"content-length", "host", "transfer-encoding", "via"}),
    ORIGIN_REQUEST: frozenset({
        "accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range",
        "if-unmodified-since", "range", "transfer-encoding", "via"}),
    ORIGIN_RESPONSE: frozenset({"transfer-encoding", "via"}),
    VIEWER_RESPONSE: frozenset({"content-encoding", "content-length", "transfer-encoding",
                                "warning", "via"}),
}
READ_ONLY_REQUEST_FIELDS = ("clientIp", "method")
# CloudFront adds it after the viewer request event: a Lambda@Edge viewer-request function
# that adds or changes it fails validation ("Restrictions on Lambda@Edge", CloudFront headers).
VIEWER_REQUEST_REFUSED_HEADERS = frozenset({"cloudfront-viewer-country"})
# "Quotas", general quotas: a request or an origin response, headers and query string
# included and the body not, is at most 20,480 bytes; a URL at most 8,192.
MAX_HEADERS_AND_QUERY_BYTES = 20_480
MAX_URL_BYTES = 8_192
# IncludeBody: the body a request trigger sees is cut at these sizes ("Restrictions on
# Lambda@Edge", request body), and `inputTruncated` says so.
INCLUDE_BODY_BYTES = {"viewer": 40 * 1024, "origin": 1 << 20}
BODY_ACTIONS = ("read-only", "replace")
BODY_ENCODINGS = ("base64", "text")
# A response status a function may set or generate ("Restrictions on all edge functions").
MIN_STATUS, MAX_STATUS = 200, 599
# viewer-response does not run when the origin answered with this status or above.
VIEWER_RESPONSE_SKIPPED_FROM = 400


def is_disallowed_header(name):
    name = name.lower()
    return name in DISALLOWED_HEADERS or name.startswith(DISALLOWED_HEADER_PREFIXES)


def read_only_headers(event_type):
    return READ_ONLY_HEADERS[event_type]


# What CloudFront answers when a function fails (status, X-Cache).
VALIDATION_FAILURE = (502, "LambdaValidationError from CloudFront")
EXECUTION_FAILURE = (503, "LambdaExecutionError from CloudFront")
LIMIT_FAILURE = (503, "LambdaLimitExceeded from CloudFront")
# X-Cache of the other answers.
X_CACHE_HIT = "Hit from cloudfront"
X_CACHE_MISS = "Miss from cloudfront"
X_CACHE_REFRESH_HIT = "RefreshHit from cloudfront"
X_CACHE_ERROR = "Error from cloudfront"
X_CACHE_GENERATED = "LambdaGeneratedResponse from cloudfront"
X_CACHE_REDIRECT = "Redirect from cloudfront"  # the viewer protocol policy's 301 / 307
# Lambda@Edge concurrent executions per region (CloudFront quotas page).
DEFAULT_CONCURRENCY_LIMIT = 1000

# Managed cache policies, by id (CloudFront guide, "Use managed cache policies"). Each is
# (min, default, max TTL, headers, cookies, query strings in the key, gzip/brotli), where
# headers/cookies/query strings are (behavior, names) as a custom policy writes them.
_NONE = ("none", ())
MANAGED_CACHE_POLICIES = {
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": (  # CachingDisabled
        0, 0, 0, _NONE, _NONE, _NONE, False),
    "658327ea-f89d-4fab-a63d-7e88639e58f6": (  # CachingOptimized
        1, 86400, 31536000, _NONE, _NONE, _NONE, True),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": (  # CachingOptimizedForUncompressedObjects
        1, 86400, 31536000, _NONE, _NONE, _NONE, False),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": (  # Amplify
        2, 2, 600, ("whitelist", ("authorization", "cloudfront-viewer-country", "host")),
        ("all", ()), ("all", ()), True),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": (  # UseOriginCacheControlHeaders
        0, 0, 31536000, ("whitelist", ("host", "origin", "x-http-method-override",
                                       "x-http-method", "x-method-override")),
        ("all", ()), _NONE, True),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": (  # UseOriginCacheControlHeaders-QueryStrings
        0, 0, 31536000, ("whitelist", ("host", "origin", "x-http-method-override",
                                       "x-http-method", "x-method-override")),
        ("all", ()), ("all", ()), True),
}
# Managed origin request policies, by id (CloudFront guide, "Use managed origin request
# policies"): (headers, cookies, query strings), each (behavior, names).
MANAGED_ORIGIN_REQUEST_POLICIES = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": (  # AllViewer
        ("allViewer", ()), ("all", ()), ("all", ())),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": (  # AllViewerExceptHostHeader
        ("allExcept", ("host",)), ("all", ()), ("all", ())),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": (  # CORS-S3Origin
        ("whitelist", ("origin", "access-control-request-headers",
                       "access-control-request-method")), _NONE, _NONE),
    "59781a5b-3903-41f3-afcb-af62929ccde1": (  # CORS-CustomOrigin
        ("whitelist", ("origin",)), _NONE, _NONE),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": (  # UserAgentRefererHeaders
        ("whitelist", ("user-agent", "referer")), _NONE, _NONE),
}
# Statuses CloudFront caches by the TTL rules; errors it caches for the error caching
# minimum TTL, 10 s unless a CustomErrorResponse says otherwise ("Caching duration for
# HTTP 4xx and 5xx status codes"; "Managing how long content stays in the cache").
CACHEABLE_STATUSES = frozenset({200, 203, 204, 206, 300, 301, 308})
# CloudFront Developer Guide, "How CloudFront processes HTTP 4xx and 5xx status codes from your
# origin", HTTP 4xx and 5xx status codes that CloudFront caches: these always (for the error
# caching minimum TTL, or the origin's max-age / s-maxage / Expires when that is longer) ...
CACHED_ERROR_STATUSES = frozenset({404, 414, 500, 501, 502, 503, 504})
# ... these only when the origin sends Cache-Control max-age or s-maxage; no other 4xx or 5xx
# (416 among them: "CloudFront doesn't cache status code 416 responses").
CACHED_WITH_MAX_AGE_ERROR_STATUSES = frozenset({400, 403, 405, 412, 415})
ERROR_CACHING_MIN_TTL_S = 10
# "Serve compressed files": the sizes and content types CloudFront compresses.
MIN_COMPRESS_BYTES, MAX_COMPRESS_BYTES = 1_000, 10_000_000
COMPRESSIBLE_TYPES = frozenset("""
application/dash+xml application/eot application/font application/font-sfnt
application/javascript application/json application/opentype application/otf
application/pkcs7-mime application/protobuf application/rss+xml application/truetype
application/ttf application/vnd.apple.mpegurl application/vnd.mapbox-vector-tile
application/vnd.ms-fontobject application/wasm application/xhtml+xml application/xml
application/x-font-opentype application/x-font-truetype application/x-font-ttf
application/x-httpd-cgi application/x-javascript application/x-mpegurl application/x-opentype
application/x-otf application/x-perl application/x-ttf font/eot font/opentype font/otf font/ttf
image/svg+xml text/css text/csv text/html text/javascript text/js text/plain text/richtext
text/tab-separated-values text/xml text/x-component text/x-java-source text/x-script
vnd.apple.mpegurl
""".split())  # "CloudFront caches error responses for a default duration of 10 seconds"

# ALB facts.
ALB_MAX_LAMBDA_RESPONSE_BYTES = 1 << 20
ALB_DROP_INVALID_HEADERS = "routing.http.drop_invalid_header_fields.enabled"
ALB_MULTI_VALUE_HEADERS = "lambda.multi_value_headers.enabled"

# --- CloudFront Functions -------------------------------------------------------------
# CloudFront guide, "Quotas" (Quotas on CloudFront Functions) and "Restrictions on
# CloudFront Functions": code at most 10 KB, 2 MB of memory, one key value store per
# function, logs cut at 10 KB. Only the viewer events take a function.
FUNCTION_MAX_CODE_BYTES = 10 * 1024
FUNCTION_MAX_MEMORY_BYTES = 2 << 20
FUNCTION_MAX_KEY_VALUE_STORES = 1
FUNCTION_LOG_BYTES = 10 * 1024
FUNCTION_EVENTS = VIEWER_TRIGGERS
FUNCTION_RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
# The runtime whose `cloudfront` module has kvs(), the origin helpers and edgeLocation
# ("JavaScript runtime 2.0 features"; "Helper methods for key value stores").
FUNCTION_KVS_RUNTIME = "cloudfront-js-2.0"
# Compute utilization is the share of the maximum allowed time, 0 to 100 ("Restrictions on
# CloudFront Functions", Compute utilization). AWS publishes no figure for that maximum;
# the emulator assumes 1 ms, the "sub-millisecond" the guide promises.
FUNCTION_COMPUTE_BUDGET_MS = 1.0
# The log group of a function's console.log lines, always in us-east-1 ("Edge function
# logs", CloudFront Functions logs).
FUNCTION_LOG_GROUP = "/aws/cloudfront/function/{name}"
FUNCTION_LOG_REGION = HOME_REGION
# What CloudFront answers when a function fails (status, X-Cache); "HTTP status codes"
# and "Restrictions on CloudFront Functions".
FUNCTION_VALIDATION_FAILURE = (502, "FunctionValidationError from cloudfront")
FUNCTION_EXECUTION_FAILURE = (503, "FunctionExecutionError from cloudfront")
FUNCTION_THROTTLED_FAILURE = (503, "FunctionThrottledError from cloudfront")
X_CACHE_FUNCTION_GENERATED = "FunctionGeneratedResponse from cloudfront"

# --- KeyValueStore ----------------------------------------------------------------------
# CloudFront guide, "Quotas" (key value stores) and "File format for key-value pairs":
# 5 MB per store (and per import file), keys up to 512 bytes, values up to 1 KB; the
# cloudfront-keyvaluestore API reference, UpdateKeys: at most 50 keys and 3 MB per call.
KVS_MAX_STORE_BYTES = 5 * 1024 * 1024
KVS_MAX_KEY_BYTES = 512
KVS_MAX_VALUE_BYTES = 1024
KVS_MAX_UPDATE_KEYS = 50
KVS_MAX_UPDATE_BYTES = 3 * 1024 * 1024
KVS_LIST_MAX_RESULTS = 50       # ListKeys MaxResults, default 10
KVS_LIST_DEFAULT_RESULTS = 10
# AWS publishes no propagation time for a write to reach every edge location; the guide
# says only that updates are "eventually consistent" (seconds). The emulator's default is 0.
KVS_DEFAULT_PROPAGATION_S = 0.0
