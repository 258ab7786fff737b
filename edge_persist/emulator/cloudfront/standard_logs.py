"""A distribution's standard logs (legacy), written as CloudFront writes them.

CloudFront Developer Guide, "Standard logging (legacy)": a distribution with `Logging`
(Bucket, Prefix, IncludeCookies) gets gzip files in that bucket, named
`<prefix><distribution id>.YYYY-MM-DD-HH.<unique id>.gz`, each `#Version: 1.0`, `#Fields:`
and one tab-separated line of 33 fields per request (edge_persist.forecast.access_logs holds
the field list, one home for the reader and this writer). Values are URL-encoded, empty ones
`-`, and `cs(Cookie)` is filled only with IncludeCookies. The emulator delivers what it has
every DELIVER_EVERY_S seconds and when it stops; CloudFront itself delivers "up to several
times an hour".

What the emulator fills as it knows it: `c-port` and `x-forwarded-for` are `-` (no proxy);
`cs-protocol` is `http` or `https`, and an https request gets its TLS fields;
`x-edge-result-type` is `Hit`, `Miss`
(a cache miss, the origin triggers included: a response an origin-request function generates
is a `Miss`, since the trigger ran on the way to the origin), `Error`, or
`LambdaGeneratedResponse` / `FunctionGeneratedResponse` for one generated at the viewer, which
never reaches the origin, or `Redirect` for the viewer protocol policy's redirect to HTTPS;
`x-edge-detailed-result-type` is the same, or the error's type.
"""
import gzip
import os
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote

from edge_persist import edge_rules
from edge_persist.forecast import access_logs

DELIVER_EVERY_S = 5.0
# What the request path's X-Cache says, as the log's result type. A response generated at
# the origin-request trigger has passed the cache on its way to the origin: a Miss.
RESULT_TYPES = {
    edge_rules.X_CACHE_HIT: "Hit", edge_rules.X_CACHE_MISS: "Miss",
    edge_rules.X_CACHE_REFRESH_HIT: "RefreshHit",
    edge_rules.X_CACHE_ERROR: "Error", edge_rules.X_CACHE_GENERATED: "Miss",
    edge_rules.X_CACHE_REDIRECT: "Redirect",
}
# A failed function: an Error, of the failure's own type.
DETAILED_ERRORS = {x_cache: x_cache.split()[0] for _, x_cache in (
    edge_rules.VALIDATION_FAILURE, edge_rules.EXECUTION_FAILURE, edge_rules.LIMIT_FAILURE,
    edge_rules.FUNCTION_VALIDATION_FAILURE, edge_rules.FUNCTION_EXECUTION_FAILURE,
    edge_rules.FUNCTION_THROTTLED_FAILURE)}


def _encoded(value):
    """A field value as standard logs write it: URL-encoded, `-` when empty."""
    return quote(value, safe="/:=;,.-_~@()!*'&+?$[]") if value else "-"


def _header(request, name):
    values = request.header_values(name)
    return values[-1] if values else ""


def fields_of(request, response, pop, request_id, x_generated, started, domain,
              include_cookies, behavior_path, country):
    """Every field CloudFront can log for one request, name -> value as standard logs write
    it: the legacy fields, and the real-time ones standard logging (v2) may select
    ("Configure standard logging (v2)", access log fields)."""
    now = datetime.now(timezone.utc)
    x_cache = next((v for k, v in response.headers if k == "X-Cache"), "")
    result = RESULT_TYPES.get(x_cache, "Error")
    if x_generated:  # generated at the viewer: it never went toward the origin
        result = x_generated
    content_type = next(iter(response.header_values("content-type")), "")
    taken = f"{time.monotonic() - started:.3f}"
    return {
        "date": now.strftime("%Y-%m-%d"), "time": now.strftime("%H:%M:%S"),
        "x-edge-location": pop, "sc-bytes": len(response.body) + 200,
        "c-ip": request.client_ip, "cs-method": request.method,
        "cs(Host)": domain, "cs-uri-stem": _encoded(request.path),
        "sc-status": response.status,
        "cs(Referer)": _encoded(_header(request, "referer")),
        "cs(User-Agent)": _encoded(_header(request, "user-agent")),
        "cs-uri-query": _encoded(request.query),
        "cs(Cookie)": _encoded(_header(request, "cookie")) if include_cookies else "-",
        "x-edge-result-type": result, "x-edge-request-id": request_id,
        "x-host-header": _encoded(_header(request, "host")), "cs-protocol": request.protocol,
        "cs-bytes": len(request.body) + sum(len(k) + len(v) + 4 for k, v in request.headers),
        "time-taken": taken, "x-edge-response-result-type": result,
        "cs-protocol-version": f"HTTP/{request.http_version}", "time-to-first-byte": taken,
        "c-port": request.client_port or "-",
        **(dict(zip(("ssl-protocol", "ssl-cipher"), request.tls)) if request.tls else {}),
        "x-edge-detailed-result-type": DETAILED_ERRORS.get(x_cache, result),
        "sc-content-type": _encoded(content_type), "sc-content-len": len(response.body),
        "timestamp(ms)": int(now.timestamp() * 1000), "c-country": country,
        "cache-behavior-path-pattern": behavior_path or "*", "asn": "-",
        "origin-fbl": taken, "origin-lbl": taken,
    }


class Writer:
    """A delivery thread over queued records: `deliver()` every DELIVER_EVERY_S seconds
    and when it closes; what its destination does not take goes to `spill`, said once."""

    def __init__(self, name, spill):
        self.spill = spill
        self._spilled = False
        self._records = []         # (hour "YYYY-MM-DD-HH", record)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._deliver_every, daemon=True, name=name)
        self._thread.start()

    def _queue(self, record):
        hour = datetime.now(timezone.utc).strftime("%Y-%m-%d-%H")
        with self._lock:
            self._records.append((hour, record))

    def _taken(self):
        """What is queued, by hour, emptying the queue."""
        with self._lock:
            records, self._records = self._records, []
        by_hour = {}
        for hour, record in records:
            by_hour.setdefault(hour, []).append(record)
        return by_hour

    def _deliver_every(self):
        while not self._stop.wait(DELIVER_EVERY_S):
            self.deliver()

    def deliver(self):
        raise NotImplementedError

    def _keep(self, name, body, err, what):
        """What the destination did not take, kept in the spill folder under `name`; the
        first time, one line says where."""
        if self.spill is None:
            return
        path = os.path.join(self.spill, name.replace("/", os.sep))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "ab") as out:
            out.write(body)
        if not self._spilled:
            self._spilled = True
            print(f"emulator: the {what} did not take some standard logs "
                  f"({type(err).__name__}); kept in {self.spill}", file=sys.stderr, flush=True)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=DELIVER_EVERY_S + 1)
        self.deliver()


class StandardLogs(Writer):
    """One distribution's standard logs (legacy), delivered to its bucket in the moto
    server."""

    def __init__(self, distribution_id, domain, config, s3_client, bucket, spill=None):
        """`spill`: the folder a file goes to when the bucket does not take it."""
        self.distribution_id, self.domain = distribution_id, domain
        self.config, self.prefix = config, config.prefix
        self.include_cookies = config.include_cookies
        self.s3, self.bucket = s3_client, bucket
        super().__init__(f"standard-logs-{distribution_id}", spill)

    def record(self, request, response, pop, request_id, x_generated, started,
               behavior_path=None, country=None):
        """One request, as the line CloudFront would log; off the network, only queued."""
        self._queue(access_logs.line(fields_of(
            request, response, pop, request_id, x_generated, started, self.domain,
            self.include_cookies, behavior_path, country)))

    kind = "legacy"

    def replay_args(self):
        """The forecast's arguments that read these logs."""
        return ["--from-access-logs", f"s3://{self.bucket}/{self.prefix}"]

    def deliver(self):
        """Put what is queued into the bucket: one file per hour it covers."""
        for hour, lines in self._taken().items():
            key = f"{self.prefix}{self.distribution_id}.{hour}.{os.urandom(4).hex()}.gz"
            body = gzip.compress((access_logs.header() + "".join(lines)).encode())
            try:
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
            except Exception as err:  # noqa: BLE001 - the moto server stopped or refused it
                self._keep(key, body, err, "standard logs bucket")
