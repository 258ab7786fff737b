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
- "Cache content based on cookies": `no-cache="Set-Cookie"` keeps the object cacheable and
  its cookies out of the cache; only the cookies the request forwarded are cached with it.
- The CloudFront-* headers a cache policy names are in the key with CloudFront's values;
  a blank Accept-Encoding origin custom header takes Accept-Encoding out of it.
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
from edge_persist.emulator.frontend.messages import HttpResponse

# How long an expired object is kept for revalidation; AWS documents no figure. Sweeping on
# every SWEEP_EVERY puts keeps a long run's memory bounded.
STALE_KEEP_S = 3600.0
SWEEP_EVERY = 1000
# A Cache-Control directive: a token, and a token or quoted-string value (RFC 9111, 5.2).
DIRECTIVE = re.compile(r'([a-z0-9!#$%&\'*+.^_`|~-]+)(?:\s*=\s*(?:"([^"]*)"|([^,\s]*)))?')


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


def normalized_accept_encoding(request, brotli=True):
    """CloudFront's normalization: gzip and br only, in that spelling (br only where the cache
    policy enables Brotli); none at all for an HTTP/1.0 request, whose Accept-Encoding
    CloudFront removes ("Serve compressed files")."""
    if request.http_version == "1.0":
        return ""
    offered = ",".join(request.header_values("accept-encoding")).lower()
    return ",".join(e for e in (("br", "gzip") if brotli else ("gzip",)) if e in offered)


def cache_key(policy, request, cached_methods, added=(), accept_encoding=True):
    """The key under which this request's answer is stored, or None when it is not cached.
    `added`: the CloudFront-* headers CloudFront adds for this viewer that the policy names
    ("Add CloudFront request headers"): they are in the key, and a viewer's own header of a
    CloudFront-* name is not. `accept_encoding` False: the origin has a blank Accept-Encoding
    custom header, which takes Accept-Encoding out of the key ("Increase the proportion of
    requests that are served directly from the CloudFront caches")."""
    if not policy.caching or request.method not in cached_methods:
        return None
    headers = [(k.lower(), v) for k, v in request.headers
               if not k.lower().startswith("cloudfront-")
               and (accept_encoding or k.lower() != "accept-encoding")]
    headers += [(k.lower(), v) for k, v in added]
    # HEAD keeps its own entries: a HEAD answer has no body to serve a GET with.
    return (request.method, request.path,
            tuple(pick(policy.query_strings, parse_qsl(request.query, keep_blank_values=True))),
            tuple(sorted(pick(policy.headers, headers))),
            tuple(sorted(pick(policy.cookies, cookies_of(request)))),
            normalized_accept_encoding(request, policy.brotli)
            if policy.compress and accept_encoding else "")


MAX_INVALIDATION_PATH = 4000


def invalidation_problem(path):
    """What is wrong with an invalidation path ("Invalidate files": it begins with /, a `*`
    may only end it, at most 4,000 characters), or None."""
    if not isinstance(path, str) or not path.startswith("/"):
        return "an invalidation path must begin with /"
    if "*" in path[:-1]:
        return "a * may only be the last character of an invalidation path"
    if len(path) > MAX_INVALIDATION_PATH:
        return f"an invalidation path is at most {MAX_INVALIDATION_PATH} characters"
    return None


def _url(key):
    """The path and query string a cache key stands for."""
    _, path, query = key[:3]
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


def directives(response):
    """Cache-Control directive -> its value ("" for none), lowercase."""
    text = ",".join(response.header_values("cache-control")).lower()
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) or ""
            for m in DIRECTIVE.finditer(text)}


def _seconds(value):
    """A delta-seconds value, or None when it is not one."""
    return float(value) if value and value.isdigit() else None


def _max_age(told):
    """s-maxage, else max-age, in seconds; None when neither is sent."""
    for name in ("s-maxage", "max-age"):
        if _seconds(told.get(name)) is not None:
            return _seconds(told[name])
    return None


def stored(response, forwarded_cookies):
    """The copy of an answer the cache keeps. Fields a qualified no-cache or private names
    (`no-cache="Set-Cookie"`) are left out of it: CloudFront caches the object and not its
    cookies ("Cache content based on cookies", suspending caching based on cookies); so is a
    Set-Cookie for a cookie the request did not forward (the cookies CloudFront caches are
    the forwarded ones)."""
    told = directives(response)
    dropped = {field.strip() for name in ("no-cache", "private")
               for field in told.get(name, "").split(",") if field.strip()}
    kept = [(k, v) for k, v in response.headers if k.lower() not in dropped and not (
        k.lower() == "set-cookie" and v.split("=", 1)[0].strip() not in forwarded_cookies)]
    if len(kept) == len(response.headers):
        return response
    return HttpResponse(response.status, kept, response.body)


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
    told = directives(response)
    max_age = _max_age(told)
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
    # no-store always; no-cache and private only unqualified (with field names they keep
    # those fields out of the stored copy instead: see stored()).
    if "no-store" in told or any(told.get(d) == "" for d in ("no-cache", "private")):
        return policy.min_ttl
    if explicit is not None:
        return min(max(explicit, policy.min_ttl), policy.max_ttl)
    return policy.default_ttl


def stale_windows(response):
    """(stale-while-revalidate, stale-if-error) in seconds from Cache-Control; 0 and None
    when not sent."""
    told = directives(response)
    return _seconds(told.get("stale-while-revalidate")) or 0.0, \
        _seconds(told.get("stale-if-error"))


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
        """Drop every entry whose URL matches one of the invalidation paths ("Invalidate
        files"): the path and the query string in its key, as `/images/a.jpg?size=1`; `*` at
        the end matches any rest, query strings included; every version of a URL goes,
        whatever cookies and headers are in its key. Returns how many were dropped."""
        matchers = [re.compile(re.escape(p[:-1]) + ".*" if p.endswith("*") else re.escape(p),
                               re.DOTALL) for p in paths]
        dropped = 0
        for store in self._stores.values():
            for key in [k for k in store if any(m.fullmatch(_url(k)) for m in matchers)]:
                del store[key]
                dropped += 1
        return dropped

    def clear(self):
        """Empty every region's cache."""
        self._stores.clear()
