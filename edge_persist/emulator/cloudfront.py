"""The CloudFront tier: cache, origin-request event, Lambda@Edge invoke, CloudFront's checks."""
import base64
import os
import re
import threading
import time
import zlib
from datetime import datetime, timezone

from edge_persist import edge_rules
from edge_persist.emulator.alb import HttpRequest, HttpResponse
from edge_persist.emulator.validator import validate

# Which regional edge cache serves a request, and its POP's name in X-Amz-Cf-Pop.
REGION_HEADER = "x-emulator-region"
POPS = {
    "us-east-1": "IAD89-C1", "us-east-2": "CMH68-C1", "us-west-1": "SFO53-C1",
    "us-west-2": "SEA19-C1", "ca-central-1": "YUL62-C1", "sa-east-1": "GRU3-C1",
    "eu-west-1": "DUB56-C1", "eu-west-2": "LHR61-C1", "eu-west-3": "CDG50-C1",
    "eu-central-1": "FRA56-C1", "eu-north-1": "ARN54-C1", "ap-south-1": "BOM78-C1",
    "ap-northeast-1": "NRT57-C1", "ap-northeast-2": "ICN57-C1", "ap-northeast-3": "KIX56-C1",
    "ap-southeast-1": "SIN2-C1", "ap-southeast-2": "SYD62-C1",
}
# Hop-by-hop headers never travel past a proxy.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                        "transfer-encoding", "upgrade"})
MAX_AGE = re.compile(r"(?:s-maxage|max-age)=(\d+)")


def _cf_id():
    return base64.urlsafe_b64encode(os.urandom(42)).decode()


def _failure(failure):
    status, x_cache = failure
    body = (f"<html><body><h1>{status} ERROR</h1><p>The request could not be satisfied."
            f"</p></body></html>").encode()
    return HttpResponse(status, [("Content-Type", "text/html"), ("X-Cache", x_cache)], body)


class CloudFrontTier:
    def __init__(self, model, edge_pools, alb, regions, shipper, distribution_id, domain,
                 routing="client-ip"):
        """edge_pools: (event_type, region) -> Pool of the associated function's environments."""
        self.model, self.edge_pools, self.alb = model, edge_pools, alb
        self.regions, self.shipper, self.routing = list(regions), shipper, routing
        self.distribution_id, self.domain = distribution_id, domain
        self._cache = {}
        self._cache_lock = threading.Lock()
        self._turn = 0
        self.stats = {"hits": 0, "misses": 0, "validation_errors": 0, "execution_errors": 0,
                      "limit_errors": 0}

    # --- routing ------------------------------------------------------------------------

    def pick_region(self, request):
        """A forced region (x-emulator-region) wins; else by viewer IP, or round-robin."""
        forced = request.header_values(REGION_HEADER)
        if forced:
            return forced[-1] if forced[-1] in self.regions else None
        if self.routing == "round-robin":
            self._turn += 1
            return self.regions[self._turn % len(self.regions)]
        return self.regions[zlib.crc32(request.client_ip.encode()) % len(self.regions)]

    # --- the request path -------------------------------------------------------------

    def handle(self, request):
        region = self.pick_region(request)
        if region is None:
            response = HttpResponse(400, [("Content-Type", "text/plain")],
                                    f"{REGION_HEADER} must be one of {', '.join(self.regions)}\n"
                                    .encode())
            return self._finish(response, self.regions[0], "Error from cloudfront")
        request.headers = [(k, v) for k, v in request.headers if k.lower() != REGION_HEADER]
        key = self._cache_key(request)
        cached = self._cached(key)
        if cached is not None:
            self.stats["hits"] += 1
            return self._finish(cached, region, "Hit from cloudfront")
        self.stats["misses"] += 1
        response = self._miss(request, region)
        if key is not None and response.status == 200 and not _x_cache(response):
            self._store(key, response)
        # CloudFront marks an origin's own errors "Error from cloudfront".
        default = "Error from cloudfront" if response.status >= 400 else "Miss from cloudfront"
        return self._finish(response, region, _x_cache(response) or default)

    def _miss(self, request, region):
        request_id = _cf_id()
        for event_type in (edge_rules.VIEWER_REQUEST, edge_rules.ORIGIN_REQUEST):
            if (event_type, region) not in self.edge_pools:
                continue
            outcome = self._run_trigger(event_type, region, request, request_id)
            if isinstance(outcome, HttpResponse):
                return outcome
            request = outcome
        return self.alb.handle(request)

    def _run_trigger(self, event_type, region, request, request_id):
        """The (possibly changed) request, or the response that ends the request here."""
        cf_request = self.event_request(request, event_type)
        event = {"Records": [{"cf": {"config": {
            "distributionDomainName": self.domain, "distributionId": self.distribution_id,
            "eventType": event_type, "requestId": request_id}, "request": cf_request}}]}
        # No copy needed: the worker receives the event as JSON, so cf_request stays intact
        # as the "before" that validation compares against.
        outcome = self.edge_pools[(event_type, region)].invoke(event, request_id)
        if outcome.kind == "timeout":
            self.stats["limit_errors"] += 1
            self._log_error(region, request_id, "The Lambda function exceeded its timeout.")
            return _failure(edge_rules.LIMIT_FAILURE)
        if outcome.kind != "ok":
            self.stats["execution_errors"] += 1
            self._log_error(region, request_id, "The Lambda function returned an error: "
                                                f"{(outcome.error or {}).get('errorMessage')}")
            return _failure(edge_rules.EXECUTION_FAILURE)
        problems = validate(event_type, cf_request, outcome.result)
        if problems:
            self.stats["validation_errors"] += 1
            self._log_error(region, request_id, "Lambda function result failed validation: "
                            + "; ".join(problems))
            return _failure(edge_rules.VALIDATION_FAILURE)
        if "status" in outcome.result:
            return _generated(outcome.result)
        return self.to_origin(outcome.result, request)

    def event_request(self, request, event_type):
        """The `request` of the Lambda@Edge event, in the shape of the AWS guide's sample."""
        policy = self.model.origin_request_policy
        headers = {}
        for name, value in request.headers:
            lower = name.lower()
            if lower in HOP_BY_HOP or not self._forwarded(lower, policy, event_type):
                continue
            headers.setdefault(lower, []).append({"key": name, "value": value})
        if event_type == edge_rules.ORIGIN_REQUEST:
            headers["via"] = [{"key": "Via", "value": f"2.0 {os.urandom(16).hex()}.cloudfront.net"
                                                      " (CloudFront)"}]
            headers.setdefault("x-forwarded-for", [{"key": "X-Forwarded-For",
                                                    "value": request.client_ip}])
            headers.setdefault("user-agent", [{"key": "User-Agent", "value": "Amazon CloudFront"}])
            headers.setdefault("host", [{"key": "Host", "value": self.alb_domain}])
        forward_query = event_type == edge_rules.VIEWER_REQUEST or policy.query_behavior != "none"
        return {
            "clientIp": request.client_ip, "headers": headers, "method": request.method,
            "querystring": request.query if forward_query else "", "uri": request.path,
            "origin": {"custom": {
                "customHeaders": {n.lower(): [{"key": n, "value": v}]
                                  for n, v in self.model.origin_headers.items()},
                "domainName": self.alb_domain, "keepaliveTimeout": 5, "path": "",
                "port": self.model.load_balancer.port, "protocol": "http", "readTimeout": 30,
                "sslProtocols": ["TLSv1.2"]}},
        }

    @property
    def alb_domain(self):
        return f"{self.model.load_balancer.logical_id.lower()}.us-east-1.elb.amazonaws.com"

    @staticmethod
    def _forwarded(name, policy, event_type):
        if event_type == edge_rules.VIEWER_REQUEST:
            return True
        behavior = policy.header_behavior
        if behavior == "allViewer" or behavior.startswith("allViewerAndWhitelist"):
            return True
        if behavior == "allViewerExceptHost":
            return name != "host"
        if behavior == "whitelist":
            return name in policy.headers
        return False

    def to_origin(self, cf_request, viewer):
        """What the ALB receives: the function's request, plus the origin's custom headers."""
        custom = cf_request.get("origin", {}).get("custom", {}).get("customHeaders", {})
        headers = [(e.get("key", name), e["value"])
                   for name, entries in {**cf_request["headers"], **custom}.items()
                   for e in entries]
        headers.append(("X-Amz-Cf-Id", _cf_id()))
        return HttpRequest(cf_request["method"], cf_request["uri"], cf_request["querystring"],
                           headers, viewer.body, viewer.client_ip)

    # --- cache --------------------------------------------------------------------------

    def _cache_key(self, request):
        policy = self.model.cache_policy
        if policy.max_ttl <= 0 or request.method not in ("GET", "HEAD"):
            return None  # TTL 0 everywhere: caching disabled, every request is a miss
        query = request.query if policy.query_in_key else ""
        headers = tuple((h, tuple(request.header_values(h))) for h in policy.headers_in_key)
        return request.method, request.path, query, headers

    def _cached(self, key):
        if key is None:
            return None
        with self._cache_lock:
            entry = self._cache.get(key)
            if entry and entry[0] > time.monotonic():
                return entry[1]
            self._cache.pop(key, None)
        return None

    def _store(self, key, response):
        policy = self.model.cache_policy
        control = ",".join(v for k, v in response.headers if k.lower() == "cache-control")
        match = MAX_AGE.search(control)
        ttl = float(match.group(1)) if match else policy.default_ttl
        ttl = min(max(ttl, policy.min_ttl), policy.max_ttl)
        if ttl > 0:
            with self._cache_lock:
                self._cache[key] = (time.monotonic() + ttl, response)

    # --- answers ------------------------------------------------------------------------

    def _finish(self, response, region, x_cache):
        headers = [(k, v) for k, v in response.headers
                   if k.lower() not in HOP_BY_HOP and k.lower() not in ("x-cache", "via")]
        headers += [("X-Cache", x_cache),
                    ("Via", f"1.1 {os.urandom(16).hex()}.cloudfront.net (CloudFront)"),
                    ("X-Amz-Cf-Pop", POPS.get(region, f"{region.upper()}-C1")),
                    ("X-Amz-Cf-Id", _cf_id())]
        return HttpResponse(response.status, headers, response.body)

    def _log_error(self, region, request_id, message):
        now = datetime.now(timezone.utc)
        self.shipper.put(region, f"/aws/cloudfront/LambdaEdge/{self.distribution_id}",
                         f"{now:%Y/%m/%d}/{self.distribution_id}",
                         f"{now.isoformat(timespec='milliseconds')} {request_id} ERROR {message}")


def _x_cache(response):
    return next((v for k, v in response.headers if k == "X-Cache"), None)


def _generated(result):
    headers = [(e.get("key", name), e["value"])
               for name, entries in (result.get("headers") or {}).items() for e in entries]
    body = result.get("body", "")
    data = base64.b64decode(body) if result.get("bodyEncoding") == "base64" else body.encode()
    return HttpResponse(int(result["status"]), headers, data)
