"""Response headers policies: the headers CloudFront adds to or removes from the answers of a
behavior ("Understand response headers policies"; CloudFront API Reference,
ResponseHeadersPolicyConfig).

- Custom headers and the security headers are added; one the answer already has is kept
  unless the policy's `Override` is true.
- Headers listed to remove are removed from the answer first, the policy's own additions
  after; a removed `Server` comes back as CloudFront's own, `Server: CloudFront`. A policy
  that lists a header CloudFront does not let it remove is refused at start, as CloudFront
  refuses it.
- CORS: to a request with an `Origin` among `AccessControlAllowOrigins` (or `*`), the answer
  gets `Access-Control-Allow-Origin` (and credentials and exposed headers); to a preflight
  (`OPTIONS` with `Access-Control-Request-Method`), also the allowed methods and headers and
  `Access-Control-Max-Age`. The origin's own CORS headers stay unless `OriginOverride`.
- Server-Timing: with `Enabled` and a request sampled (`SamplingRate` percent), or one that
  sends `Pragma: server-timing` whatever the rate, the answer gets a `Server-Timing` header
  with CloudFront's `cdn-*` metrics in the guide's order: for a miss the upstream metrics,
  then the origin's own Server-Timing after CloudFront's; for a hit CloudFront's metrics
  only.
- The managed policies (SimpleCORS, CORS-With-Preflight, SecurityHeadersPolicy and their
  combinations) are the same settings under their ids; SecurityHeadersPolicy overrides the
  origin's X-Content-Type-Options and keeps the origin's other security headers ("Use
  managed response headers policies").
"""
import random
from dataclasses import dataclass, field

from edge_persist import edge_rules
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.errors import UsageError

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
SECURITY = [  # the managed SecurityHeadersPolicy: (name, value, overrides the origin's)
    ("Strict-Transport-Security", "max-age=31536000", False),
    ("X-Content-Type-Options", "nosniff", True),
    ("X-Frame-Options", "SAMEORIGIN", False),
    ("X-XSS-Protection", "1; mode=block", False),
    ("Referrer-Policy", "strict-origin-when-cross-origin", False),
]
# Headers a policy may not remove ("Understand response headers policies", headers that you
# can't remove): the ones edge functions may not touch, and these.
UNREMOVABLE = frozenset({"content-encoding", "content-length", "host", "transfer-encoding",
                         "via", "warning"})


@dataclass
class Cors:
    origins: tuple = ("*",)
    methods: tuple = ALL_METHODS
    headers: tuple = ("*",)
    expose: tuple = ()
    credentials: bool = False
    max_age: int = None
    override: bool = False
    preflight: bool = True


@dataclass
class ResponseHeadersPolicy:
    add: list = field(default_factory=list)      # (name, value, override)
    remove: tuple = ()                           # lowercase names
    cors: Cors = None
    server_timing_rate: float = None             # percent of requests, when enabled


def _managed(cors=None, security=False):
    add = list(SECURITY) if security else []
    return ResponseHeadersPolicy(add=add, cors=cors)


SIMPLE_CORS = Cors(methods=("GET", "HEAD"), preflight=False)
PREFLIGHT_CORS = Cors()
MANAGED = {
    "60669652-455b-4ae9-85a4-c4c02393f86c": _managed(SIMPLE_CORS),                # SimpleCORS
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": _managed(PREFLIGHT_CORS),             # CORS-With-Preflight
    "67f7725c-6f97-4210-82d7-5512b31e9d03": _managed(security=True),              # SecurityHeadersPolicy
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": _managed(SIMPLE_CORS, True),          # CORS-and-SecurityHeadersPolicy
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": _managed(PREFLIGHT_CORS, True),       # CORS-with-preflight-and-SecurityHeadersPolicy
}


def _items(config, key):
    value = (config or {}).get(key) or {}
    items = value.get("Items") if isinstance(value, dict) else value
    return [str(v) for v in items or []]


def _true(value):
    return str(value).lower() == "true"


def read(config):
    """A custom policy from its ResponseHeadersPolicyConfig (already resolved)."""
    config = config or {}
    add = [(h.get("Header"), str(h.get("Value", "")), _true(h.get("Override")))
           for h in (config.get("CustomHeadersConfig") or {}).get("Items") or []
           if isinstance(h, dict) and h.get("Header")]
    security = config.get("SecurityHeadersConfig") or {}
    for key, name, value in (
            ("StrictTransportSecurity", "Strict-Transport-Security", _hsts),
            ("ContentTypeOptions", "X-Content-Type-Options", lambda c: "nosniff"),
            ("FrameOptions", "X-Frame-Options", lambda c: c.get("FrameOption", "SAMEORIGIN")),
            ("XSSProtection", "X-XSS-Protection", _xss),
            ("ReferrerPolicy", "Referrer-Policy", lambda c: c.get("ReferrerPolicy", "")),
            ("ContentSecurityPolicy", "Content-Security-Policy",
             lambda c: c.get("ContentSecurityPolicy", ""))):
        if security.get(key):
            add.append((name, value(security[key]), _true(security[key].get("Override"))))
    remove = tuple(str(h.get("Header", "")).lower()
                   for h in (config.get("RemoveHeadersConfig") or {}).get("Items") or []
                   if isinstance(h, dict))
    refused = [name for name in remove
               if name in UNREMOVABLE or edge_rules.is_disallowed_header(name)]
    if refused:
        raise UsageError(f"response headers policy {config.get('Name', '')}: CloudFront does "
                         f"not let a policy remove {', '.join(refused)}")
    cors = None
    if config.get("CorsConfig"):
        c = config["CorsConfig"]
        max_age = c.get("AccessControlMaxAgeSec")
        cors = Cors(origins=tuple(_items(c, "AccessControlAllowOrigins")) or ("*",),
                    methods=tuple("*" if m == "ALL" else m
                                  for m in _items(c, "AccessControlAllowMethods")),
                    headers=tuple(_items(c, "AccessControlAllowHeaders")),
                    expose=tuple(_items(c, "AccessControlExposeHeaders")),
                    credentials=_true(c.get("AccessControlAllowCredentials")),
                    max_age=int(max_age) if max_age not in (None, "") else None,
                    override=_true(c.get("OriginOverride")))
    timing = config.get("ServerTimingHeadersConfig") or {}
    rate = float(timing.get("SamplingRate", 0)) if _true(timing.get("Enabled")) else None
    return ResponseHeadersPolicy(add, remove, cors, rate)


def _hsts(config):
    value = f"max-age={config.get('AccessControlMaxAgeSec', 31536000)}"
    if _true(config.get("IncludeSubdomains")):
        value += "; includeSubDomains"
    if _true(config.get("Preload")):
        value += "; preload"
    return value


def _xss(config):
    if not _true(config.get("Protection", True)):
        return "0"
    if config.get("ReportUri"):
        return f"1; report={config['ReportUri']}"
    return "1; mode=block" if _true(config.get("ModeBlock")) else "1"


@dataclass
class Delivery:
    """What the Server-Timing metrics say of one answer."""
    pop: str
    request_id: str
    x_cache: str = ""
    downstream_ms: float = 0.0      # from the request's arrival to the answer
    upstream_ms: float = None       # the origin's first byte; None when no origin was asked


def apply(policy, request, response, delivery):
    """The answer with the policy's headers."""
    removed = [(k, v) for k, v in response.headers if k.lower() not in policy.remove]
    headers = list(removed)
    if "server" in policy.remove:  # CloudFront puts its own in its place
        headers.append(("Server", "CloudFront"))
    present = {k.lower() for k, _ in headers}

    def put(name, value, override):
        if name.lower() in present:
            if not override:
                return
            headers[:] = [(k, v) for k, v in headers if k.lower() != name.lower()]
        headers.append((name, value))
        present.add(name.lower())

    for name, value, override in policy.add:
        put(name, value, override)
    if policy.cors is not None:
        _cors(policy.cors, request, put)
    if policy.server_timing_rate is not None and (
            "server-timing" in ",".join(request.header_values("pragma")).lower()
            or random.random() * 100 < policy.server_timing_rate):
        origin = ",".join(v for k, v in headers if k.lower() == "server-timing")
        headers[:] = [(k, v) for k, v in headers if k.lower() != "server-timing"]
        headers.append(("Server-Timing", server_timing(delivery, origin)))
    return HttpResponse(response.status, headers, response.body, response.close)


def server_timing(delivery, origin_value=""):
    """CloudFront's Server-Timing value, in the order of the guide's examples: a miss names
    the upstream layer and times first and carries the origin's own value after
    CloudFront's; a hit names the layer it came from and carries CloudFront's metrics only."""
    result = (delivery.x_cache or "").split(" ", 1)[0]
    where = [f'cdn-pop;desc="{delivery.pop}"', f'cdn-rid;desc="{delivery.request_id}"']
    if result == "Hit":
        metrics = ["cdn-cache-hit", *where, 'cdn-hit-layer;desc="REC"']
    elif result == "RefreshHit":
        metrics = ["cdn-cache-refresh", *where]
    else:
        upstream = [] if delivery.upstream_ms is None else [
            'cdn-upstream-layer;desc="REC"', "cdn-upstream-dns;dur=0",
            "cdn-upstream-connect;dur=0", f"cdn-upstream-fbl;dur={round(delivery.upstream_ms)}"]
        metrics = [*upstream, "cdn-cache-miss", *where]
    metrics.append(f"cdn-downstream-fbl;dur={round(delivery.downstream_ms)}")
    if origin_value and result not in ("Hit", "RefreshHit"):
        metrics.append(origin_value)
    return ",".join(metrics)


def _cors(cors, request, put):
    origin = ",".join(request.header_values("origin"))
    if not origin or ("*" not in cors.origins and origin not in cors.origins):
        return
    allowed = "*" if "*" in cors.origins and not cors.credentials else origin
    put("Access-Control-Allow-Origin", allowed, cors.override)
    if cors.credentials:
        put("Access-Control-Allow-Credentials", "true", cors.override)
    if cors.expose:
        put("Access-Control-Expose-Headers", ", ".join(cors.expose), cors.override)
    if request.method == "OPTIONS" and request.header_values("access-control-request-method") \
            and cors.preflight:
        put("Access-Control-Allow-Methods", ", ".join(cors.methods), cors.override)
        if cors.headers:
            put("Access-Control-Allow-Headers", ", ".join(cors.headers), cors.override)
        if cors.max_age is not None:
            put("Access-Control-Max-Age", str(cors.max_age), cors.override)
