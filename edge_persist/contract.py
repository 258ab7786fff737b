"""The contracts of shared/DESIGN.md, in one place for every tool.

lambda_edge/ and origin_lambda/ are shipped alone and cannot import this module;
tests/unit/test_contract.py pins their copies of these names to the ones here.
"""

# Request headers the edge function sets (and overwrites) on the way to the origin.
HEADER_VALUE = "custom_header"
HEADER_ENV = "x-persist-env"
HEADER_REGION = "x-persist-region"
HEADER_INVOCATION = "x-persist-invocation"
PERSIST_HEADERS = (HEADER_VALUE, HEADER_ENV, HEADER_REGION, HEADER_INVOCATION)

# Response header the origin uses to echo the custom_header it received.
HEADER_SEEN = "x-custom-header-seen"

# The KeyValueStore side: the viewer function reads KVS_KEY and sets the first two request
# headers; the origin logs them and echoes them in the last two.
KVS_KEY = "dataToPersist"
HEADER_KVS_VALUE = "x-kvs-value"
HEADER_KVS_REGION = "x-kvs-region"
HEADER_KVS_SEEN = "x-kvs-value-seen"
HEADER_KVS_REGION_SEEN = "x-kvs-region-seen"

# Probe id, sent by verify.py both as a header and as a query parameter.
HEADER_PROBE = "x-probe-id"
QUERY_PROBE = "probe"

# Shared secret CloudFront adds to origin requests; the ALB forwards only when it matches.
HEADER_ORIGIN_VERIFY = "x-origin-verify"
REDACTED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", HEADER_ORIGIN_VERIFY})

# Per-session storage (the session store). The id comes from the cookie, else the header.
SESSION_COOKIE = "ep_session"
HEADER_SESSION_ID = "x-session-id"
SESSION_ID_PATTERN = r"[A-Za-z0-9_-]{1,128}"   # anything else means "no session"
SESSION_ROUTE = "/session"
HEADER_SESSION = "x-persist-session"             # "hit" or "miss"
HEADER_SESSION_AGE = "x-persist-session-age"     # seconds since this environment stored it
HEADER_SESSION_SET = "x-persist-set"             # origin -> origin-response: the data
QUERY_SESSION_BYTES = "bytes"                    # padding of the origin's data
QUERY_SESSION_DELAY = "delay_ms"                 # the origin's simulated lookup
SESSION_BYTES_DEFAULT, SESSION_BYTES_MAX = 256, 4096
SESSION_DELAY_MAX_MS = 1000
SESSION_HIT, SESSION_MISS = "hit", "miss"

# Log line "event" values.
EVENT_EDGE_INIT = "edge_init"
EVENT_ORIGIN_REQUEST = "origin_request"
EVENT_EDGE_STATS = "edge_stats"

# The forecast's JSON (python -m edge_persist.forecast --json): a stable interface.
FORECAST_KEYS = ("requests", "sessions_seen", "hit_ratio", "environments", "cold_starts",
                 "per_region", "origin_reads_saved_per_s", "peak_store_bytes", "parameters")

# verify.py exit codes.
EXIT_PERSISTED = 0
EXIT_NOT_PERSISTED = 1
EXIT_USAGE = 2
EXIT_EVIDENCE = 3

# Stack outputs (names of CfnOutputs, as `cdk deploy --outputs-file` writes them).
OUTPUT_KEYS = (
    "DistributionDomainName", "DistributionId", "DistributionUrl", "EdgeFunctionName",
    "EdgeFunctionVersionArn", "OriginFunctionName", "OriginLogGroupName", "LoadBalancerDnsName",
    "KeyValueStoreArn", "KeyValueStoreId", "ViewerFunctionName",
)
DEFAULT_STACK_NAME = "EdgePersistStack"
HOME_REGION = "us-east-1"


def edge_log_group(function_name):
    """Lambda@Edge logs in each executing region under this name (EDGE_FACTS.md)."""
    return f"/aws/lambda/{HOME_REGION}.{function_name}"


def cloudfront_edge_error_log_group(distribution_id):
    return f"/aws/cloudfront/LambdaEdge/{distribution_id}"
