"""Lambda@Edge function: keeps dataToPersist, and per-session data, in module memory.

Standard library only: this folder is the code asset. No environment variables at the
edge, so the store's settings come in config.json, written at synth. Header names: the
contract in shared/DESIGN.md. One version, two triggers:
- origin-request: custom_header and x-persist-* on every request; on GET /session, a hit
  answered from this environment's store, or a miss forwarded;
- origin-response: on /session, stores the origin's x-persist-set and takes it off.
"""
import json
import os
import re
import sys
import time
from collections import OrderedDict

# --- settings ---------------------------------------------------------------------------

SESSION_COOKIE = "ep_session"
SESSION_HEADER = "x-session-id"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_COOKIE = re.compile(r"(?:^|;)\s*" + SESSION_COOKIE + "=")
_VALID_COOKIE = re.compile(r"(?:^|;)\s*" + SESSION_COOKIE + "=(" + SESSION_ID.pattern +
                           r")\s*(?:;|$)")
_COOKIE_PREFIX = SESSION_COOKIE + "="
_PREFIX_LENGTH = len(_COOKIE_PREFIX)
SESSION_ROUTE = "/session"
SET_HEADER = "x-persist-set"
# CloudFront quotas: an origin response's headers are at most 20,480 bytes, and the value
# travels in one.
MAX_VALUE_BYTES = 20_480
# Half the function's memory by default: the runtime takes ~40 MB of 128, the rest is
# headroom for a request in flight.
DEFAULT_BUDGET_FRACTION = 0.5
DEFAULT_TTL_S = 300.0
STATS_EVERY_S = 60.0
# Bytes an entry costs beyond its key and value objects: its OrderedDict slot and link, the
# (value, time) tuple and the float. Measured with tracemalloc
# (tests/unit/test_edge_sessions_runtime.py checks the accounting against it).
ENTRY_OVERHEAD = 160


def _config():
    """config.json beside this file, written at synth; anything unreadable means defaults.
    Besides the two cdk.json settings, statsEverySeconds exists for tests only."""
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json")) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


_CONFIG = _config()
_MEMORY_MB = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)
BUDGET_BYTES = int((_CONFIG.get("sessionBudgetMb") or _MEMORY_MB * DEFAULT_BUDGET_FRACTION)
                   * (1 << 20))
TTL_S = float(_CONFIG.get("sessionTtlSeconds") or DEFAULT_TTL_S)
STATS_EVERY_S = float(_CONFIG.get("statsEverySeconds") or STATS_EVERY_S)


class SessionStore:
    """LRU with a TTL and a byte budget: the oldest entries go once the budget is passed."""

    def __init__(self, budget_bytes, ttl_s):
        self.budget, self.ttl = budget_bytes, ttl_s
        self._entries = OrderedDict()  # session id -> (value, stored at)
        self.bytes = 0
        self.hits = self.misses = self.evictions = self.expirations = 0

    @staticmethod
    def cost(key, value):
        return sys.getsizeof(key) + sys.getsizeof(value) + ENTRY_OVERHEAD

    def get(self, key, now):
        """(value, age in s) when fresh, else None; an expired entry is dropped on read."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        age = now - entry[1]
        if age > self.ttl:
            self._drop(key)
            self.expirations += 1
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[0], age

    def put(self, key, value, now):
        size = self.cost(key, value)
        if size > self.budget:
            return False  # never let one value push out everything else and still not fit
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (value, now)
        self.bytes += size
        while self.bytes > self.budget:
            self._drop(next(iter(self._entries)))
            self.evictions += 1
        return True

    def _drop(self, key):
        value, _ = self._entries.pop(key)
        self.bytes -= self.cost(key, value)

    def __len__(self):
        return len(self._entries)

    def stats(self):
        return {"entries": len(self), "bytes": self.bytes, "budget": self.budget,
                "hits": self.hits, "misses": self.misses, "evictions": self.evictions,
                "expirations": self.expirations}


# --- the "storage": module globals live as long as the execution environment -------------

dataToPersist = None
ENV_ID = os.urandom(8).hex()
REGION = os.environ.get("AWS_REGION") or "unknown"
invocations = 0
_fixed_headers = ()
_hit_response = {}
_hit_age = {"key": "x-persist-session-age", "value": "0.000"}
STORE = SessionStore(BUDGET_BYTES, TTL_S)
_entries = STORE._entries
_stats_logged_at = None
_monotonic = time.monotonic  # one global lookup instead of two on the hit path


def _utc_now_iso():
    # time, not datetime: datetime's import alone would double this module's cold start.
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (now % 1 * 1000)


def _init_environment():
    global dataToPersist, _fixed_headers, _hit_response
    dataToPersist = _utc_now_iso()
    # Built once: these three never change in this environment. Sharing them between
    # invocations is safe because Lambda serializes every returned request.
    _fixed_headers = (
        ("custom_header", [{"key": "custom_header", "value": dataToPersist}]),
        ("x-persist-env", [{"key": "x-persist-env", "value": ENV_ID}]),
        ("x-persist-region", [{"key": "x-persist-region", "value": REGION}]),
    )
    # A hit is answered here, so it names this environment and echoes its own value where
    # the origin would have.
    _hit_response = {"status": "200", "statusDescription": "OK", "body": "", "headers": {
        "content-type": [{"key": "Content-Type", "value": "application/json"}],
        "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        "x-persist-session": [{"key": "x-persist-session", "value": "hit"}],
        "x-persist-session-age": [_hit_age],
        "x-persist-env": _fixed_headers[1][1], "x-persist-region": _fixed_headers[2][1],
        "x-custom-header-seen": [{"key": "x-custom-header-seen", "value": dataToPersist}],
    }}
    # One line per environment lets verify.py count environments per region from logs.
    print(json.dumps({"event": "edge_init", "dataToPersist": dataToPersist,
                      "env": ENV_ID, "region": REGION}))


def session_id(headers):
    """The session of a request: cookie ep_session, else header x-session-id; None when
    neither holds a valid id (a bad id is "no session", never an error)."""
    for entry in headers.get("cookie") or ():
        text = str(entry.get("value", ""))
        if text.startswith(_COOKIE_PREFIX):  # the usual shape, read without a regex
            end = text.find(";")
            value = (text[_PREFIX_LENGTH:end] if end != -1 else text[_PREFIX_LENGTH:]).rstrip()
            if 0 < len(value) <= 128 and value.isascii() and \
                    value.replace("-", "").replace("_", "").isalnum():
                return value
        # Otherwise one search finds and validates the id.
        found = _VALID_COOKIE.search(text)
        if found:
            return found.group(1)
        if _COOKIE.search(text):
            return None  # the cookie is there but its value is not an id
    for entry in headers.get(SESSION_HEADER) or ():
        value = str(entry.get("value", ""))
        return value if SESSION_ID.fullmatch(value) else None
    return None


def _log_stats(now):
    """edge_stats, called at most once a minute per environment (Lambda gives functions
    without extensions no shutdown signal, so there is no last line at shutdown)."""
    global _stats_logged_at
    _stats_logged_at = now
    print(json.dumps({"event": "edge_stats", "env": ENV_ID, "region": REGION,
                      **STORE.stats()}))


def _header(headers, name, value):
    headers[name] = [{"key": name, "value": value}]


def _origin_response(request, response):
    if request.get("uri") != SESSION_ROUTE:
        return response
    headers = response.get("headers") or {}
    entries = headers.pop(SET_HEADER, None)  # the viewer never sees it
    sid = session_id(request.get("headers") or {})
    value = entries[0].get("value") if entries else None
    if sid is not None and isinstance(value, str) and \
            len(value.encode("utf-8", "surrogatepass")) <= MAX_VALUE_BYTES:
        now = _monotonic()
        STORE.put(sid, value, now)
        if _stats_logged_at is None or now - _stats_logged_at >= STATS_EVERY_S:
            _log_stats(now)
    _header(headers, "x-persist-session", "miss")
    response["headers"] = headers
    return response


def handler(event, context):
    """origin-request inline (every request runs it; a call costs), origin-response apart."""
    global invocations
    if dataToPersist is None:
        _init_environment()
    cf = event["Records"][0]["cf"]
    if "response" in cf:
        return _origin_response(cf["request"], cf["response"])
    request = cf["request"]
    invocations += 1
    headers = request.get("headers")
    if headers is None:
        headers = request["headers"] = {}
    if request.get("uri") == SESSION_ROUTE and request.get("method") == "GET":
        sid = session_id(headers)
        if sid is not None:
            now = _monotonic()
            if _stats_logged_at is None or now - _stats_logged_at >= STATS_EVERY_S:
                _log_stats(now)
            # The hit path is the one to keep short: a fresh entry is served right here,
            # what STORE.get would do inlined; a miss or an expiry goes through it.
            entry = _entries.get(sid)
            if entry is not None and now - entry[1] <= TTL_S:
                _entries.move_to_end(sid)
                STORE.hits += 1
                # One response object serves every hit of this environment: the runtime
                # serializes what a handler returns before it hands over the next event,
                # as with _fixed_headers.
                _hit_response["body"] = entry[0]
                _hit_age["value"] = "%.3f" % (now - entry[1])
                return _hit_response
            STORE.get(sid, now)  # drops an expired entry, counts the miss
            _header(headers, "x-persist-session", "miss")
    # Assigning whole lists replaces anything the viewer sent under these names.
    headers.update(_fixed_headers)
    headers["x-persist-invocation"] = [{"key": "x-persist-invocation", "value": str(invocations)}]
    return request

