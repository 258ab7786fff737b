"""The CloudFront cache: cache policies, the cache key, TTLs, one cache per regional edge cache.

Rules and their sources (CloudFront Developer Guide):
- "Controlling the cache key with a policy" / "Understand cache policies": the key holds the
  URI, the listed query strings, headers and cookies, and the normalized Accept-Encoding when
  gzip or brotli is on. A policy with every TTL at 0 disables caching.
- "Manage how long content stays in the cache (expiration)": s-maxage, then max-age, then
  Expires set the TTL, clamped to the policy's minimum and maximum; no header gives the
  default TTL. no-cache, no-store and private are honoured when the minimum TTL is 0; with a
  minimum above 0 CloudFront caches for the minimum.
- "Caching duration for HTTP 4xx and 5xx status codes": errors are cached for the error
  caching minimum TTL (10 s).
- Each regional edge cache keeps its own copies: a hit in eu-west-3 is not a hit in us-east-1.
"""
import email.utils
import re
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from edge_persist import edge_rules
from edge_persist.errors import UsageError

DIRECTIVE = re.compile(r"([a-z-]+)\s*(?:=\s*\"?(\d+)\"?)?")
UNCACHEABLE_DIRECTIVES = ("no-cache", "no-store", "private")


@dataclass(frozen=True)
class CachePolicy:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    headers: tuple = ("none", ())       # (behavior, lowercase names)
    cookies: tuple = ("none", ())
    query_strings: tuple = ("none", ())
    compress: bool = False              # gzip or brotli in the key

    @property
    def caching(self):
        return self.max_ttl > 0


def _listed(config, behavior_key, items_key):
    config = config or {}
    names = config.get(items_key) or []
    if isinstance(names, dict):  # CloudFormation's older {Items: [...]} shape
        names = names.get("Items") or []
    return config.get(behavior_key, "none"), tuple(str(n) for n in names)


def read_cache_policy(ref, behavior, resources):
    """The behavior's cache policy: managed (by id), custom (a template resource) or legacy
    (TTLs and ForwardedValues on the behavior itself)."""
    if ref is None:
        forwarded = behavior.get("ForwardedValues") or {}
        cookies = forwarded.get("Cookies") or {}
        return CachePolicy(
            float(behavior.get("MinTTL", 0)), float(behavior.get("DefaultTTL", 86400)),
            float(behavior.get("MaxTTL", 31536000)),
            ("whitelist", tuple(h.lower() for h in forwarded.get("Headers") or []))
            if forwarded.get("Headers") else ("none", ()),
            (cookies.get("Forward", "none"), tuple(cookies.get("WhitelistedNames") or [])),
            ("all" if str(forwarded.get("QueryString")).lower() == "true" else "none", ()),
            bool(behavior.get("Compress")))
    if isinstance(ref, str):
        if ref not in edge_rules.MANAGED_CACHE_POLICIES:
            raise UsageError(f"cache policy {ref} is neither in the template nor a known "
                             "managed policy")
        return CachePolicy(*edge_rules.MANAGED_CACHE_POLICIES[ref])
    resource = resources.get(ref.get("Ref")) if isinstance(ref, dict) else None
    if not resource or resource.get("Type") != "AWS::CloudFront::CachePolicy":
        raise UsageError(f"cache policy {ref!r} is not an AWS::CloudFront::CachePolicy here")
    config = resource["Properties"]["CachePolicyConfig"]
    key = config.get("ParametersInCacheKeyAndForwardedToOrigin", {})
    headers = _listed(key.get("HeadersConfig"), "HeaderBehavior", "Headers")
    return CachePolicy(
        float(config.get("MinTTL", 0)), float(config.get("DefaultTTL", 86400)),
        float(config.get("MaxTTL", 31536000)),
        (headers[0], tuple(h.lower() for h in headers[1])),
        _listed(key.get("CookiesConfig"), "CookieBehavior", "Cookies"),
        _listed(key.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings"),
        bool(key.get("EnableAcceptEncodingGzip") or key.get("EnableAcceptEncodingBrotli")))


def pick(behavior_names, pairs):
    """The (name, value) pairs a (behavior, names) setting keeps, names compared as given."""
    behavior, names = behavior_names
    if behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
        return list(pairs)
    if behavior in ("whitelist",):
        return [(k, v) for k, v in pairs if k in names]
    if behavior in ("allExcept",):
        return [(k, v) for k, v in pairs if k not in names]
    return []


def cookies_of(request):
    jar = SimpleCookie()
    for value in request.header_values("cookie"):
        try:
            jar.load(value)
        except Exception:  # noqa: BLE001 - a malformed cookie header is the viewer's problem
            continue
    return [(name, morsel.value) for name, morsel in jar.items()]


def _accept_encoding(request):
    """CloudFront's normalization: gzip and br only, in that spelling."""
    offered = ",".join(request.header_values("accept-encoding")).lower()
    return ",".join(e for e in ("br", "gzip") if e in offered)


def cache_key(policy, request, cached_methods):
    """The key under which this request's answer is stored, or None when it is not cached."""
    if not policy.caching or request.method not in cached_methods:
        return None
    headers = [(k.lower(), v) for k, v in request.headers]
    return (request.method if request.method != "HEAD" else "GET", request.path,
            tuple(sorted(pick(policy.query_strings,
                              parse_qsl(request.query, keep_blank_values=True)))),
            tuple(sorted(pick(policy.headers, headers))),
            tuple(sorted(pick(policy.cookies, cookies_of(request)))),
            _accept_encoding(request) if policy.compress else "")


def ttl(policy, response):
    """Seconds to keep this response; 0 means do not cache it."""
    if response.status in edge_rules.CACHED_ERROR_STATUSES:
        return edge_rules.ERROR_CACHING_MIN_TTL_S
    if response.status not in edge_rules.CACHEABLE_STATUSES:
        return 0
    control = ",".join(v for k, v in response.headers if k.lower() == "cache-control").lower()
    directives = dict(DIRECTIVE.findall(control))
    if any(d in directives for d in UNCACHEABLE_DIRECTIVES):
        return policy.min_ttl
    for name in ("s-maxage", "max-age"):
        if directives.get(name):
            return min(max(float(directives[name]), policy.min_ttl), policy.max_ttl)
    expires = next((v for k, v in response.headers if k.lower() == "expires"), None)
    if expires:
        try:
            seconds = email.utils.parsedate_to_datetime(expires).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 0.0  # an invalid date means "already expired"
        return min(max(seconds, policy.min_ttl), policy.max_ttl)
    return policy.default_ttl


@dataclass
class Entry:
    response: object
    stored: float
    expires: float


class RegionalCaches:
    """One store per (distribution, region); thread-safe."""

    def __init__(self):
        self._stores = {}
        self._lock = threading.Lock()

    def get(self, region, key):
        now = time.monotonic()
        with self._lock:
            entry = self._stores.get(region, {}).get(key)
            if entry and entry.expires > now:
                return entry.response, int(now - entry.stored)
            if entry:
                del self._stores[region][key]
        return None

    def put(self, region, key, response, seconds):
        if seconds <= 0:
            return
        now = time.monotonic()
        with self._lock:
            self._stores.setdefault(region, {})[key] = Entry(response, now, now + seconds)

    def invalidate(self, paths):
        """Drop every entry whose path matches one of the invalidation paths (`*` at the end
        matches any rest). Returns how many were dropped."""
        matchers = [re.compile(re.escape(p[:-1]) + ".*" if p.endswith("*") else re.escape(p))
                    for p in paths]
        dropped = 0
        with self._lock:
            for store in self._stores.values():
                for key in [k for k in store if any(m.fullmatch(k[1]) for m in matchers)]:
                    del store[key]
                    dropped += 1
        return dropped
