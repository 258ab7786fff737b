"""The CloudFront cache: the cache key and TTLs a policy (policies.py) gives, one cache per
regional edge cache.

Rules and their sources (CloudFront Developer Guide):
- "Controlling the cache key with a policy" / "Understand cache policies": the key holds the
  URI, the listed query strings, headers and cookies, and the normalized Accept-Encoding when
  gzip or brotli is on. A policy with every TTL at 0 disables caching.
- "Manage how long content stays in the cache (expiration)": s-maxage, then max-age, then
  Expires set the TTL, clamped to the policy's minimum and maximum; no header gives the
  default TTL. no-cache, no-store and private are honoured when the minimum TTL is 0; with a
  minimum above 0 CloudFront caches for the minimum.
- "How CloudFront processes HTTP 4xx and 5xx status codes from your origin": 404, 414 and
  500 to 504 are cached for the error caching minimum TTL (10 s), or for the origin's max-age,
  s-maxage or Expires when longer; 400, 403, 405, 412 and 415 only when the origin sends
  max-age or s-maxage; no other error status. The header's value is capped by the maximum
  TTL.
- 3xx: 300, 301 and 308 as any cacheable status; 302, 303 and 307 only with an explicit
  max-age, s-maxage or Expires.
- A response with `Vary: *` is not cached: no later request can match it.
- Query strings are in the key in the order the viewer sent them ("Cache content based on
  query string parameters": the same parameters in another order are another object).
- Each regional edge cache keeps its own copies: a hit in eu-west-3 is not a hit in us-east-1.
- `stale-while-revalidate=N` and `stale-if-error=N` ("Manage how long content stays in the
  cache", serving stale content): for N seconds after expiry the stale object is served at
  once while CloudFront revalidates it in the background, or served when the origin
  answers 5xx or cannot be reached.
- Request collapsing ("Request and response behavior for custom origins", simultaneous
  requests): while a miss is on its way to the origin, other requests with the same cache
  key wait for its answer; served from the cache when it was cacheable, else sent on.
"""
import asyncio
import email.utils
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from edge_persist import edge_rules

# How long an expired object is kept for revalidation; AWS documents no figure. Sweeping on
# every SWEEP_EVERY puts keeps a long run's memory bounded.
STALE_KEEP_S = 3600.0
SWEEP_EVERY = 1000
DIRECTIVE = re.compile(r"([a-z-]+)\s*(?:=\s*\"?(\d+)\"?)?")
UNCACHEABLE_DIRECTIVES = ("no-cache", "no-store", "private")


def pick(behavior_names, pairs):
    """The (name, value) pairs a (behavior, names) setting keeps, names compared as given. A
    name with `*` or `?` is a pattern ("Cache content based on cookies": a legacy cookie
    allow list may use them, `*` for any run of characters and `?` for one)."""
    behavior, names = behavior_names
    if behavior in ("all", "allViewer", "allViewerAndWhitelistCloudFront"):
        return list(pairs)
    if behavior in ("whitelist", "allExcept"):
        listed = _matcher(names)
        keep = behavior == "whitelist"
        return [(k, v) for k, v in pairs if listed(k) == keep]
    return []


@lru_cache(maxsize=1024)
def _matcher(names):
    """A test of whether a name is among `names`, with `*` and `?` as wildcards."""
    if not any("*" in name or "?" in name for name in names):
        return frozenset(names).__contains__
    regex = re.compile("|".join(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name)
        for name in names), re.DOTALL)
    return lambda name: regex.fullmatch(name) is not None


def cookies_of(request):
    """(name, value) of every cookie the viewer sent."""
    sent = request.header_values("cookie")
    if not sent:  # most requests: no parse at all
        return []
    jar = SimpleCookie()
    for value in sent:
        try:
            jar.load(value)
        except Exception:  # noqa: BLE001 - a malformed cookie header is the viewer's problem
            continue
    return [(name, morsel.value) for name, morsel in jar.items()]


def normalized_accept_encoding(request):
    """CloudFront's normalization: gzip and br only, in that spelling."""
    offered = ",".join(request.header_values("accept-encoding")).lower()
    return ",".join(e for e in ("br", "gzip") if e in offered)


def cache_key(policy, request, cached_methods):
    """The key under which this request's answer is stored, or None when it is not cached."""
    if not policy.caching or request.method not in cached_methods:
        return None
    headers = [(k.lower(), v) for k, v in request.headers]
    # HEAD keeps its own entries: a HEAD answer has no body to serve a GET with.
    return (request.method, request.path,
            tuple(pick(policy.query_strings, parse_qsl(request.query, keep_blank_values=True))),
            tuple(sorted(pick(policy.headers, headers))),
            tuple(sorted(pick(policy.cookies, cookies_of(request)))),
            normalized_accept_encoding(request) if policy.compress else "")


def _max_age(directives):
    """s-maxage, else max-age, in seconds; None when neither is sent."""
    for name in ("s-maxage", "max-age"):
        if directives.get(name):
            return float(directives[name])
    return None


def _expires(response):
    """Seconds until the Expires header's date; None without one."""
    expires = ",".join(response.header_values("expires"))
    if not expires:
        return None
    try:
        return email.utils.parsedate_to_datetime(expires).timestamp() - time.time()
    except (TypeError, ValueError):
        return 0.0  # an invalid date means "already expired"


def ttl(policy, response, error_min_ttl=edge_rules.ERROR_CACHING_MIN_TTL_S):
    """Seconds to keep this response; 0 means do not cache it."""
    if "*" in ",".join(response.header_values("vary")):
        return 0
    directives = dict(DIRECTIVE.findall(",".join(response.header_values("cache-control")).lower()))
    max_age = _max_age(directives)
    status = response.status
    if status >= 400:
        if status in edge_rules.CACHED_ERROR_STATUSES:
            told = max_age if max_age is not None else _expires(response)
        elif status in edge_rules.CACHED_WITH_MAX_AGE_ERROR_STATUSES and max_age is not None:
            told = max_age
        else:
            return 0
        return max(min(told or 0, policy.max_ttl), error_min_ttl)
    explicit = max_age if max_age is not None else _expires(response)
    if status not in edge_rules.CACHEABLE_STATUSES and not (300 <= status < 400 and explicit):
        return 0
    if any(d in directives for d in UNCACHEABLE_DIRECTIVES):
        return policy.min_ttl
    if explicit is not None:
        return min(max(explicit, policy.min_ttl), policy.max_ttl)
    return policy.default_ttl


def stale_windows(response):
    """(stale-while-revalidate, stale-if-error) in seconds from Cache-Control; 0 and None
    when not sent."""
    directives = dict(DIRECTIVE.findall(",".join(response.header_values("cache-control")).lower()))
    if_error = directives.get("stale-if-error")
    return (float(directives.get("stale-while-revalidate") or 0),
            float(if_error) if if_error else None)


@dataclass
class Entry:
    response: object
    stored: float
    expires: float
    while_revalidate: float = 0.0  # seconds past expiry it is served while revalidated
    if_error: float = None         # seconds past expiry it is served for a 5xx, when given

    def expired_for(self):
        return time.monotonic() - self.expires


class Flights:
    """Misses on their way to the origin, by (region, key): what request collapsing waits on.
    On the emulator's event loop, as every cache structure here."""

    def __init__(self):
        self._landed = {}

    def join(self, region, key):
        """(event set when the miss under way lands, whether this caller leads it)."""
        landed = self._landed.get((region, key))
        if landed is not None:
            return landed, False
        landed = self._landed[(region, key)] = asyncio.Event()
        return landed, True

    def land(self, region, key):
        landed = self._landed.pop((region, key), None)
        if landed is not None:
            landed.set()


class RegionalCaches:
    """One store per (distribution, region)."""

    def __init__(self):
        self._stores = {}
        self._puts = 0

    def get(self, region, key):
        """(response, age) of a fresh entry, else None. An expired entry stays, for
        revalidation (stale())."""
        now = time.monotonic()
        entry = self._stores.get(region, {}).get(key)
        if entry and entry.expires > now:
            return entry.response, int(now - entry.stored)
        return None

    def stale(self, region, key):
        """The expired Entry under `key`, or None: what CloudFront revalidates with the
        origin, and serves when the origin answers 5xx."""
        entry = self._stores.get(region, {}).get(key)
        return entry if entry and entry.expires <= time.monotonic() else None

    def put(self, region, key, response, seconds):
        if seconds <= 0:
            return
        now = time.monotonic()
        entry = Entry(response, now, now + seconds, *stale_windows(response))
        self._stores.setdefault(region, {})[key] = entry
        self._puts += 1
        if self._puts % SWEEP_EVERY == 0:
            for store in self._stores.values():
                for old in [k for k, e in store.items() if e.expires + max(
                        STALE_KEEP_S, e.while_revalidate, e.if_error or 0) < now]:
                    del store[old]

    def invalidate(self, paths):
        """Drop every entry whose path matches one of the invalidation paths (`*` at the end
        matches any rest). Returns how many were dropped."""
        matchers = [re.compile(re.escape(p[:-1]) + ".*" if p.endswith("*") else re.escape(p))
                    for p in paths]
        dropped = 0
        for store in self._stores.values():
            for key in [k for k in store if any(m.fullmatch(k[1]) for m in matchers)]:
                del store[key]
                dropped += 1
        return dropped

    def clear(self):
        """Empty every region's cache."""
        self._stores.clear()
