"""One distribution's request path: behavior, viewer triggers, cache, origin triggers, origin.

The order and the skips follow the CloudFront Developer Guide, "CloudFront events that can
trigger a Lambda@Edge function":
- viewer-request runs on every request, before the cache; a response it generates goes
  straight back, is not cached, and skips viewer-response;
- origin-request and origin-response run only when CloudFront goes to the origin; a
  response origin-request generates is cached under the behavior's policy and skips
  origin-response; origin-response runs on origin errors too, and what it returns is cached;
- viewer-response runs on every answer, hits included, unless the origin returned 400 or
  more (or a request trigger generated the answer at the viewer).
"""
import dataclasses
import os
import zlib
from urllib.parse import parse_qsl

from edge_persist import edge_rules
from edge_persist.emulator import behaviors as behavior_rules
from edge_persist.emulator import function_events, triggers
from edge_persist.emulator.alb import HttpRequest, HttpResponse
from edge_persist.emulator.cache import RegionalCaches, cache_key, cookies_of, pick, ttl
from edge_persist.emulator.origins import Origin, OriginUnreachable

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
VR, OR = edge_rules.VIEWER_REQUEST, edge_rules.ORIGIN_REQUEST
ORESP, VRESP = edge_rules.ORIGIN_RESPONSE, edge_rules.VIEWER_RESPONSE


def _plain(status, text, x_cache=edge_rules.X_CACHE_ERROR):
    return HttpResponse(status, [("Content-Type", "text/plain"), ("X-Cache", x_cache)],
                        text.encode())


def _x_cache(response):
    return next((v for k, v in response.headers if k == "X-Cache"), None)


class CloudFrontTier:
    def __init__(self, distribution, triggers_, fetcher, regions, routing="client-ip",
                 functions=None):
        self.distribution, self.triggers, self.fetcher = distribution, triggers_, fetcher
        self.functions = functions  # functions.Functions: the CloudFront Functions
        self.regions, self.routing = list(regions), routing
        self.caches = RegionalCaches()
        self._turn = 0
        self._edge_hosts = {}
        self.domain = ""
        self.stats = triggers_.stats

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

    def _edge_host(self, region):
        """The edge server's name in Via: one per emulated region, as one server there would
        answer (it names a server, not a request)."""
        host = self._edge_hosts.get(region)
        if host is None:
            host = self._edge_hosts.setdefault(region, f"{os.urandom(16).hex()}.cloudfront.net")
        return host

    @staticmethod
    def edge_location(region):
        """cf.edgeLocation for a request served in `region` ("General helper methods")."""
        return {"name": POPS.get(region, region.upper())[:3], "serverIp": "127.0.0.1",
                "region": region}

    # --- the request path -------------------------------------------------------------

    def handle(self, request):
        # One id per request: the events' requestId, the X-Amz-Cf-Id sent to the origin and
        # the one the viewer gets ("Lambda@Edge event structure": requestId is what access
        # logs call x-edge-request-id, which viewers see as X-Amz-Cf-Id).
        request_id = triggers.cf_id()
        response, region, x_cache, age = self._serve(request, request_id)
        return self._finish(response, region, request_id, x_cache, age)

    def _serve(self, request, request_id):
        """(response, region, X-Cache or None, Age or None)."""
        region = self.pick_region(request)
        if region is None:
            return _plain(400, f"{REGION_HEADER} must be one of "
                               f"{', '.join(self.regions)}\n"), self.regions[0], None, None
        request.headers = [(k, v) for k, v in request.headers if k.lower() != REGION_HEADER]
        dist = self.distribution
        behavior = behavior_rules.choose(dist.behaviors, dist.default_behavior, request.path)
        if request.method not in behavior.allowed_methods:
            return _plain(403, "This distribution is not configured to allow the HTTP "
                               "request method that was used.\n"), region, None, None
        if request.path == "/" and dist.default_root_object:
            request.path = "/" + dist.default_root_object.lstrip("/")
        origin_changes = ()
        if VR in behavior.functions:
            outcome = self.functions.run(behavior.functions[VR], VR, request_id, request,
                                         self.edge_location(region))
            if outcome.failed:
                return outcome.failed, region, None, None
            if outcome.response is not None:  # not cached, no viewer-response
                return (function_events.to_response(outcome.response), region,
                        edge_rules.X_CACHE_FUNCTION_GENERATED, None)
            request = function_events.to_request(request, outcome.request)
            origin_changes = outcome.origins
        viewer = self.viewer_request(request, behavior)
        if VR in behavior.associations:
            outcome = self.triggers.run(behavior.associations[VR], region, request_id, viewer)
            if outcome.failed:
                return outcome.failed, region, None, None
            if outcome.response is not None:  # not cached, no viewer-response
                return (triggers.http_response(outcome.response, b""), region,
                        edge_rules.X_CACHE_GENERATED, None)
            viewer = outcome.request
            request = HttpRequest(request.method, viewer["uri"], viewer["querystring"],
                                  triggers.flat_headers(viewer["headers"]),
                                  triggers.request_body(viewer, request.body), request.client_ip)
        response, x_cache, age = self._cached_or_fetched(request, behavior, region, request_id,
                                                         origin_changes)
        runs_viewer_response = x_cache not in (edge_rules.X_CACHE_ERROR, None) and \
            response.status < edge_rules.VIEWER_RESPONSE_SKIPPED_FROM
        if VRESP in behavior.functions and runs_viewer_response:
            outcome = self.functions.run(behavior.functions[VRESP], VRESP, request_id, request,
                                         {}, response)
            if outcome.failed:
                return outcome.failed, region, None, None
            response = function_events.to_response(outcome.response, response.body)
        if VRESP in behavior.associations and runs_viewer_response:
            viewer.pop("body", None)
            outcome = self.triggers.run(behavior.associations[VRESP], region, request_id,
                                        viewer, triggers.event_response(response))
            if outcome.failed:
                return outcome.failed, region, None, None
            response = triggers.http_response(outcome.response, response.body)
        return response, region, x_cache, age

    def _cached_or_fetched(self, request, behavior, region, request_id, origin_changes=()):
        """(response, X-Cache, Age or None); X-Cache None when a function failed. A viewer
        function's origin changes do not enter the cache key, as in CloudFront."""
        key = cache_key(behavior.cache_policy, request, behavior.cached_methods)
        cached = self.caches.get(region, key) if key is not None else None
        if cached is not None:
            self.stats["hits"] += 1
            return cached[0], edge_rules.X_CACHE_HIT, cached[1]
        self.stats["misses"] += 1
        response, x_cache, cacheable = self._from_origin(request, behavior, region, request_id,
                                                         origin_changes)
        if key is not None and cacheable:
            self.caches.put(region, key, response, ttl(behavior.cache_policy, response))
        return response, x_cache, None

    def _targets(self, origin_id):
        """(origins to try in order, status codes that fail over) for an origin or group."""
        group = self.distribution.groups.get(origin_id)
        if group is None:
            return [self.distribution.origins[origin_id]], frozenset()
        return [self.distribution.origins[m] for m in group.members], group.status_codes

    def _changed_targets(self, origin_id, changes):
        """The behavior's origins after a viewer function's origin helpers ("Helper methods
        for origin modification": updateRequestOrigin changes only a group's primary)."""
        members, codes = self._targets(origin_id)
        for change in changes:
            params = change["params"]
            if change["kind"] == "select":
                members, codes = self._targets(params)
            elif change["kind"] == "group":
                members = [self.distribution.origins[i] for i in params["originIds"]]
                codes = frozenset((params.get("failoverCriteria") or {}).get("statusCodes", ()))
            else:
                members = [self._updated(members[0], params), *members[1:]]
        return members, codes

    def _updated(self, origin, params):
        domain = params.get("domainName", origin.domain)
        changed = dataclasses.replace(
            origin, path=params.get("originPath", origin.path),
            custom_headers={**origin.custom_headers, **(params.get("customHeaders") or {})})
        if domain == origin.domain:
            return changed
        known = self._origin_at(domain)
        return dataclasses.replace(changed, id=domain, kind=known.kind if known else "custom",
                                   domain=domain, target=known.target if known else
                                   self.distribution.mapped.get(domain))

    def _from_origin(self, request, behavior, region, request_id, origin_changes=()):
        """(response, X-Cache, cacheable): origin-request, the origin (failing over within an
        origin group), origin-response."""
        members, status_codes = self._changed_targets(behavior.target_origin_id, origin_changes)
        for i, origin in enumerate(members):
            cf_request = self.origin_request(request, origin, behavior, region)
            if OR in behavior.associations:
                outcome = self.triggers.run(behavior.associations[OR], region, request_id,
                                            cf_request)
                if outcome.failed:
                    return outcome.failed, None, False
                if outcome.response is not None:  # cached; origin-response does not run
                    return (triggers.http_response(outcome.response, b""),
                            edge_rules.X_CACHE_GENERATED, True)
                cf_request = outcome.request
            response = self._fetch(self._origin_of(cf_request, origin),
                                   triggers.to_origin(cf_request, request.body, request_id))
            last = i == len(members) - 1
            if last or (response is not None and response.status not in status_codes):
                break
        response = response or HttpResponse(502, [("Content-Type", "text/html")],
                                            b"<html><body><h1>502 Bad Gateway</h1></body></html>")
        if ORESP in behavior.associations:
            outcome = self.triggers.run(behavior.associations[ORESP], region, request_id,
                                        cf_request, triggers.event_response(response))
            if outcome.failed:
                return outcome.failed, None, False
            response = triggers.http_response(outcome.response, response.body)
        x_cache = edge_rules.X_CACHE_ERROR if response.status >= 400 else edge_rules.X_CACHE_MISS
        return response, x_cache, True

    def _fetch(self, origin, request):
        """The origin's answer; None when it could not be reached at all."""
        try:
            return self.fetcher.fetch(origin, request)
        except OriginUnreachable:
            return None

    def _origin_at(self, domain):
        """The distribution's origin at `domain`, or None."""
        return next((o for o in self.distribution.origins.values() if o.domain == domain), None)

    def _origin_of(self, cf_request, default):
        """The origin the (possibly changed) event names: a function may route elsewhere."""
        named = cf_request.get("origin") or {}
        kind = "custom" if "custom" in named else "s3"
        domain = (named.get(kind) or {}).get("domainName", default.domain)
        if domain == default.domain:
            return default
        return self._origin_at(domain) or Origin(id=domain, kind="custom", domain=domain,
                               target=self.distribution.mapped.get(domain),
                               path=(named.get(kind) or {}).get("path", ""))

    # --- events -------------------------------------------------------------------------

    def viewer_request(self, request, behavior):
        """The viewer-request event's `request`: everything the viewer sent, no origin."""
        event = {"clientIp": request.client_ip, "headers": triggers.event_headers(request.headers),
                 "method": request.method, "querystring": request.query, "uri": request.path}
        association = behavior.associations.get(VR)
        if association and association.include_body:
            event["body"] = triggers.event_body(request.body, VR)
        return event

    def origin_request(self, request, origin, behavior, region):
        """The origin-request event's `request`: what the policies forward, and the origin."""
        cache_policy, policy = behavior.cache_policy, behavior.request_policy
        lowered = [(k.lower(), (k, v)) for k, v in request.headers]
        keep = {name for name, _ in pick(policy.headers, lowered)} | \
            {name for name, _ in pick(cache_policy.headers, lowered)}
        headers = triggers.event_headers(pair for name, pair in lowered
                                         if name in keep and name != "cookie")
        viewer_cookies = cookies_of(request)
        cookies = pick(policy.cookies, viewer_cookies) + pick(cache_policy.cookies,
                                                              viewer_cookies)
        if cookies:
            headers["cookie"] = [{"key": "Cookie", "value": "; ".join(
                f"{k}={v}" for k, v in dict(cookies).items())}]
        headers["via"] = [{"key": "Via", "value": f"2.0 {self._edge_host(region)} (CloudFront)"}]
        headers.setdefault("x-forwarded-for", [{"key": "X-Forwarded-For",
                                                "value": request.client_ip}])
        headers.setdefault("user-agent", [{"key": "User-Agent", "value": "Amazon CloudFront"}])
        headers.setdefault("host", [{"key": "Host", "value": origin.domain}])
        forwards_all = "all" in (policy.query_strings[0], cache_policy.query_strings[0])
        query = request.query if forwards_all else "&".join(
            f"{k}={v}" for k, v in self._listed_query(request, policy, cache_policy))
        event = {"clientIp": request.client_ip, "headers": headers, "method": request.method,
                 "origin": self.event_origin(origin), "querystring": query, "uri": request.path}
        association = behavior.associations.get(OR)
        if association and association.include_body:
            event["body"] = triggers.event_body(request.body, OR)
        return event

    @staticmethod
    def _listed_query(request, policy, cache_policy):
        pairs = parse_qsl(request.query, keep_blank_values=True)
        kept = set(pick(policy.query_strings, pairs)) | set(pick(cache_policy.query_strings,
                                                                 pairs))
        return [p for p in pairs if p in kept]

    @staticmethod
    def event_origin(origin):
        custom = {n.lower(): [{"key": n, "value": v}] for n, v in origin.custom_headers.items()}
        if origin.kind == "s3":
            return {"s3": {"authMethod": "none", "customHeaders": custom,
                           "domainName": origin.domain, "path": origin.path,
                           "region": "us-east-1"}}
        return {"custom": {"customHeaders": custom, "domainName": origin.domain,
                           "keepaliveTimeout": 5, "path": origin.path, "port": origin.port,
                           "protocol": origin.protocol, "readTimeout": 30,
                           "sslProtocols": ["TLSv1.2"]}}

    # --- answers ------------------------------------------------------------------------

    def _finish(self, response, region, request_id, x_cache=None, age=None):
        x_cache = _x_cache(response) or x_cache or edge_rules.X_CACHE_ERROR
        headers = [(k, v) for k, v in response.headers
                   if k.lower() not in triggers.HOP_BY_HOP
                   and k.lower() not in ("x-cache", "via", "age")]
        if age is not None:
            headers.append(("Age", str(age)))
        headers += [("X-Cache", x_cache),
                    ("Via", f"1.1 {self._edge_host(region)} (CloudFront)"),
                    ("X-Amz-Cf-Pop", POPS.get(region, f"{region.upper()}-C1")),
                    ("X-Amz-Cf-Id", request_id)]
        return HttpResponse(response.status, headers, response.body)
