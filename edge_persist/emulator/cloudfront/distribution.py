"""One distribution's request path, as CloudFront's stages in CloudFront's order.

`CloudFrontTier.REQUEST_PATH` lists the stages; each takes the request's Exchange and either
lets it go on or answers it, which ends the path. A new CloudFront rule is one more stage, or
an extension of one, in its place in that list.

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
import asyncio
import dataclasses
import inspect
import os
import time
import zlib
from dataclasses import dataclass

from edge_persist import edge_rules
from edge_persist import regions as regions_table
from edge_persist.emulator.cloudfront import behaviors as behavior_rules
from edge_persist.emulator.cloudfront import (delivery, forwarding, response_headers,
                                              signed_urls, viewers)
from edge_persist.emulator.cloudfront.cache import (Flights, RegionalCaches, cache_key,
                                                   cookies_of, pick, stored, ttl)
from edge_persist.emulator.cloudfront.origins import Origin, OriginUnreachable, gateway_error
from edge_persist.emulator import ids
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse, reason
from edge_persist.emulator.lambda_edge import events

# Which regional edge cache serves a request, and its POP's name in X-Amz-Cf-Pop.
REGION_HEADER = "x-emulator-region"
POPS = regions_table.EMULATOR_POPS
VR, OR = edge_rules.VIEWER_REQUEST, edge_rules.ORIGIN_REQUEST
FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FRESHNESS_HEADERS = frozenset({"cache-control", "expires", "etag", "last-modified"})
ORESP, VRESP = edge_rules.ORIGIN_RESPONSE, edge_rules.VIEWER_RESPONSE
# How long a collapsed request waits for the miss under way before it goes to the origin
# itself: past the longest origin read timeout CloudFront allows (120 s, "Quotas").
COLLAPSE_WAIT_S = 120.0


# The server's refusals of a request line or headers too long, as CloudFront answers them.
TOO_LARGE = {414: 413, 494: 413}


def _hit(response):
    """X-Cache for an answer from the cache. Assumed, as the guide shows no cached error: an
    error kept for its error caching TTL still says Error, as when it was fetched."""
    return edge_rules.X_CACHE_ERROR if response.status >= 400 else edge_rules.X_CACHE_HIT


def _plain(status, text, x_cache=edge_rules.X_CACHE_ERROR):
    return HttpResponse(status, [("Content-Type", "text/plain"), ("X-Cache", x_cache)],
                        text.encode())


def _conditional(stale):
    """The headers that revalidate an expired object: its ETag and Last-Modified ("Manage how
    long content stays in the cache": CloudFront asks the origin whether it changed)."""
    if stale is None:
        return []
    headers = {k.lower(): v for k, v in stale.headers}
    found = []
    if headers.get("etag"):
        found.append(("If-None-Match", headers["etag"]))
    if headers.get("last-modified"):
        found.append(("If-Modified-Since", headers["last-modified"]))
    return found


def _revalidated(stale, response, x_cache):
    """A 304 for an expired object (`stale`, a cache Entry) serves the object again
    (RefreshHit); so does a 5xx ("How CloudFront processes HTTP 4xx and 5xx status codes
    from your origin": with the object in the cache, CloudFront returns it rather than the
    error), within the object's stale-if-error when it gives one."""
    if stale is None or x_cache is None:
        return response, x_cache
    if response.status == 304:  # the object, with the freshness the origin now gives it
        new = [(k, v) for k, v in response.headers if k.lower() in FRESHNESS_HEADERS]
        replaced = {k.lower() for k, _ in new}
        headers = [(k, v) for k, v in stale.response.headers if k.lower() not in replaced] + new
        return HttpResponse(stale.response.status, headers, stale.response.body), \
            edge_rules.X_CACHE_REFRESH_HIT
    if response.status >= 500 and (stale.if_error is None or
                                   stale.expired_for() <= stale.if_error):
        return stale.response, edge_rules.X_CACHE_REFRESH_HIT
    return response, x_cache


def _strip(request, name):
    """The emulator's own control header, never forwarded; the list is rebuilt only when the
    header is there (every request passes here)."""
    if request.header_values(name):
        request.headers = [(k, v) for k, v in request.headers if k.lower() != name]


def _x_cache(response):
    return next((v for k, v in response.headers if k == "X-Cache"), None)


@dataclass
class Exchange:
    """One viewer request on its way through the stages, and what each stage made of it."""
    request: HttpRequest
    request_id: str
    region: str = None
    behavior: object = None       # behaviors.Behavior
    viewer: dict = None           # the Lambda@Edge viewer-request event's `request`
    origin_changes: tuple = ()    # a viewer function's origin helper calls
    response: HttpResponse = None
    x_cache: str = None           # None when a function failed (its answer carries its own)
    age: int = None
    viewer_response_runs: bool = False
    answered: bool = False
    generated_at_viewer: str = None  # the log's result type when a viewer function answered
    connection: viewers.Connection = viewers.Connection()  # geo, protocol, CloudFront-* headers
    viewer_request: HttpRequest = None  # as the viewer sent it, for the standard log
    target: str = ""              # the path and query string as the viewer sent them
    started: float = 0.0          # time.monotonic() at the request's arrival
    upstream_ms: float = None     # how long the origin took to answer, when it was asked

    def answer(self, response, x_cache=None, age=None):
        """Ends the request path with `response`."""
        self.response, self.x_cache, self.age, self.answered = response, x_cache, age, True


class CloudFrontTier:
    # The request path, in CloudFront's order. Each stage is a method taking the Exchange.
    REQUEST_PATH = (
        "route_to_region",            # the regional edge cache that serves the viewer
        "request_limits",             # the URL and request size quotas
        "geo_restriction",            # viewer checks: the viewer's country, the behavior
        "choose_behavior",
        "viewer_protocol",            # the behavior's viewer protocol policy
        "allowed_methods",
        "trusted_key_groups",         # signed URLs and cookies, where the behavior asks
        "default_root_object",
        "viewer_request_function",    # viewer functions: CloudFront Function, then Lambda@Edge
        "viewer_request_trigger",
        "cache_or_origin",            # cache; on a miss, origin functions and the fetch
        "custom_error_response",      # the distribution's page for an error status
        "byte_range",                 # delivery: a Range request's bytes, compression
        "compression",
        "viewer_response_function",   # response functions: CloudFront Function, Lambda@Edge
        "viewer_response_trigger",
        "response_headers_policy",    # the behavior's response headers policy
    )

    def __init__(self, distribution, triggers_, fetcher, regions, routing="client-ip",
                 functions=None, viewer_country=viewers.DEFAULT_COUNTRY):
        self.distribution, self.triggers, self.fetcher = distribution, triggers_, fetcher
        self.functions = functions  # cloudfront_functions.runtime.Functions
        self.regions, self.routing = list(regions), routing
        self.viewer_country = viewer_country
        self.caches = RegionalCaches()
        self.flights = Flights()  # misses under way, which simultaneous requests wait on
        self._turn = 0
        self._edge_hosts = {}
        self.domain = ""
        self.stats = triggers_.stats
        self.log_writers = ()  # the standard logs' writers: legacy and v2 (log_delivery.py)
        self._background = set()  # revalidations under way: held until they end
        # (stage, whether it is a coroutine): only the stages that call out are awaited.
        self._stages = [(stage, inspect.iscoroutinefunction(stage))
                        for stage in (getattr(self, name) for name in self.REQUEST_PATH)]

    # --- routing ------------------------------------------------------------------------

    def pick_region(self, request):
        """A forced region (x-emulator-region) wins; else by viewer IP, in turn, or always
        the first region."""
        forced = request.header_values(REGION_HEADER)
        if forced:
            return forced[-1] if forced[-1] in self.regions else None
        if self.routing == "round-robin":
            self._turn += 1
            return self.regions[self._turn % len(self.regions)]
        if self.routing == "first":
            return self.regions[0]
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

    async def handle(self, request):
        # One id per request: the events' requestId, the X-Amz-Cf-Id sent to the origin and
        # the one the viewer gets ("Lambda@Edge event structure": requestId is what access
        # logs call x-edge-request-id, which viewers see as X-Amz-Cf-Id).
        exchange = Exchange(request, ids.cloudfront_request_id(), target=request.path + (
            "?" + request.query if request.query else ""), started=time.monotonic())
        if self.log_writers:  # the log line is of the request as it came
            exchange.viewer_request = dataclasses.replace(request)
        for stage, awaited in self._stages:
            if awaited:
                await stage(exchange)
            else:
                stage(exchange)
            if exchange.answered:
                break
        response = self._finish(exchange)
        for writer in self.log_writers:
            writer.record(exchange.viewer_request, response,
                          POPS.get(exchange.region, exchange.region.upper()),
                          exchange.request_id, exchange.generated_at_viewer, exchange.started,
                          exchange.behavior.path_pattern if exchange.behavior else None,
                          exchange.connection.country)
        return response

    def route_to_region(self, exchange):
        request = exchange.request
        exchange.region = self.pick_region(request)
        if exchange.region is None:
            exchange.region = self.regions[0]
            return exchange.answer(_plain(400, f"{REGION_HEADER} must be one of "
                                               f"{', '.join(self.regions)}\n"))
        _strip(request, REGION_HEADER)

    def request_limits(self, exchange):
        """"Request and response behavior for custom origins" (and for S3 origins): a request
        over 20,480 bytes with its path, query string and headers, or a URL over 8,192 bytes,
        gets 413 (Request Entity Too Large), and CloudFront ends the connection."""
        request = exchange.request
        url = len(exchange.target.encode())
        size = len(request.method) + url + len(" HTTP/1.1\r\n") + sum(
            len(k) + len(v) + 4 for k, v in request.headers)
        if url > edge_rules.MAX_URL_BYTES or size > edge_rules.MAX_HEADERS_AND_QUERY_BYTES:
            answer = _plain(413, "The request is too large.\n")
            answer.close = True
            exchange.answer(answer)

    async def geo_restriction(self, exchange):
        """"Restrict the geographic distribution of your content": a viewer from a country
        the distribution keeps out gets 403 from CloudFront, or the distribution's custom
        error page for 403."""
        request = exchange.request
        exchange.connection = viewers.Connection(
            viewers.country_of(request, self.viewer_country), request.protocol,
            request.http_version, request.tls)
        _strip(request, viewers.COUNTRY_HEADER)
        if viewers.blocked(self.distribution.geo, exchange.connection.country):
            # A custom error page for 403 is what a blocked viewer sees, when there is one.
            exchange.answer(await self._error_page(exchange, 403) or _plain(
                403, "The Amazon CloudFront distribution is configured to block access from "
                     "your country.\n"))

    def choose_behavior(self, exchange):
        dist, request = self.distribution, exchange.request
        request.path = behavior_rules.normalized(request.path)
        exchange.behavior = behavior_rules.choose(dist.behaviors, dist.default_behavior,
                                                  request.path)

    def viewer_protocol(self, exchange):
        """"Require HTTPS for communication between viewers and CloudFront": over plain HTTP,
        redirect-to-https answers GET and HEAD with 301 and the https URL, other methods with
        307 (HTTP/1.1) so they are sent again with their body, or 403 (HTTP/1.0);
        https-only answers 403."""
        policy, request = exchange.behavior.viewer_protocol_policy, exchange.request
        if policy == "allow-all" or exchange.connection.protocol == "https":
            return
        if policy == "https-only":
            return exchange.answer(_plain(403, "This distribution only accepts HTTPS.\n"))
        if request.method not in ("GET", "HEAD") and exchange.connection.http_version < "1.1":
            return exchange.answer(_plain(403, "Send this request over HTTPS.\n"))
        status = 301 if request.method in ("GET", "HEAD") else 307
        location = f"https://{self._host(request)}{exchange.target}"
        title = f"{status} {reason(status)}"
        body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>"
                f"{title}</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n"
                "</html>\r\n").encode()
        exchange.answer(HttpResponse(status, [("Server", "CloudFront"),
                                              ("Content-Type", "text/html"),
                                              ("Location", location)], body),
                        edge_rules.X_CACHE_REDIRECT)

    def _host(self, request):
        """The host the viewer asked for (its Host header), else the distribution's domain."""
        return (request.header_values("host") or [self.domain])[-1]

    def allowed_methods(self, exchange):
        request = exchange.request
        if request.method not in exchange.behavior.allowed_methods:
            return exchange.answer(_plain(403, "This distribution is not configured to allow "
                                               "the HTTP request method that was used.\n"))
        # "If a viewer makes a GET request and includes a body, CloudFront returns an HTTP
        # status code 403 (Forbidden)" ("Request and response behavior for custom origins").
        if request.method == "GET" and request.body:
            exchange.answer(_plain(403, "A GET request may not have a body.\n"))

    def trusted_key_groups(self, exchange):
        """"Serve private content with signed URLs and signed cookies": a behavior with
        trusted key groups answers 403 to any request not signed with one of their keys."""
        keys = exchange.behavior.trusted_keys
        if keys is None:
            return
        request = exchange.request
        refused = signed_urls.refusal(keys, request, exchange.connection.protocol,
                                      self._host(request), exchange.target.split("?", 1)[0])
        if refused:
            exchange.answer(HttpResponse(403, [("Content-Type", "text/xml")],
                                         signed_urls.error_body(refused)))

    def default_root_object(self, exchange):
        root = self.distribution.default_root_object
        if exchange.request.path == "/" and root:
            exchange.request.path = "/" + root.lstrip("/")

    async def viewer_request_function(self, exchange):
        behavior = exchange.behavior
        if VR not in behavior.functions:
            return
        # CloudFront adds the CloudFront-* headers the policies name before the function runs
        # (the guide's example event has cloudfront-viewer-country).
        outcome = await self.functions.run(
            behavior.functions[VR], VR, exchange.request_id, exchange.request,
            self.edge_location(exchange.region), cloudfront=viewers.added(
                exchange.request, exchange.connection,
                behavior.cache_policy.cloudfront_names | behavior.request_policy.cloudfront_names))
        if outcome.failed:
            return exchange.answer(outcome.failed)
        if outcome.response is not None:  # not cached, no viewer-response
            exchange.generated_at_viewer = "FunctionGeneratedResponse"
            return exchange.answer(outcome.response, edge_rules.X_CACHE_FUNCTION_GENERATED)
        exchange.request = outcome.request
        exchange.origin_changes = outcome.origins

    async def viewer_request_trigger(self, exchange):
        request, behavior = exchange.request, exchange.behavior
        exchange.viewer = forwarding.viewer_request(request, behavior)
        if VR not in behavior.associations:
            return
        outcome = await self.triggers.run(behavior.associations[VR], exchange.region,
                                    exchange.request_id, exchange.viewer)
        if outcome.failed:
            return exchange.answer(outcome.failed)
        if outcome.response is not None:  # not cached, no viewer-response
            exchange.generated_at_viewer = "LambdaGeneratedResponse"
            return exchange.answer(events.http_response(outcome.response, b""),
                                   edge_rules.X_CACHE_GENERATED)
        viewer = exchange.viewer = outcome.request
        exchange.request = dataclasses.replace(
            request, path=viewer["uri"], query=viewer["querystring"],
            headers=events.flat_headers(viewer["headers"]),
            body=events.request_body(viewer, request.body))

    async def cache_or_origin(self, exchange):
        """A hit from this region's cache, or the origin's answer (cached when it may be). A
        viewer function's origin changes do not enter the cache key, as in CloudFront."""
        response, x_cache, age = await self._cached_or_fetched(
            exchange, exchange.request, exchange.behavior, exchange.origin_changes)
        if x_cache is None:  # a function failed: its answer goes back as it is
            return exchange.answer(response)
        exchange.response, exchange.x_cache, exchange.age = response, x_cache, age
        exchange.viewer_response_runs = exchange.x_cache != edge_rules.X_CACHE_ERROR and \
            exchange.response.status < edge_rules.VIEWER_RESPONSE_SKIPPED_FROM

    async def _cached_or_fetched(self, exchange, request, behavior, origin_changes=()):
        """(response, X-Cache or None when a function failed, Age or None) for `request`
        under `behavior`: a fresh hit; an expired object within its stale-while-revalidate,
        revalidated in the background; else the origin (revalidating an expired object), the
        answer cached when it may be. Simultaneous misses for one key wait for the first."""
        region = exchange.region
        key = cache_key(behavior.cache_policy, request, behavior.cached_methods, viewers.added(
            request, exchange.connection, behavior.cache_policy.cloudfront_names),
            self._accept_encoding(behavior))
        if key is None:
            self.stats["misses"] += 1
            return await self._fetched(exchange, request, behavior, origin_changes, None)
        cached = self.caches.get(region, key)
        if cached is not None:
            self.stats["hits"] += 1
            return cached[0], _hit(cached[0]), cached[1]
        stale = self.caches.stale(region, key)
        landed, leader = self.flights.join(region, key)
        if stale is not None and stale.expired_for() <= stale.while_revalidate:
            if leader:  # one revalidation at a time; the viewer does not wait for it
                task = asyncio.get_running_loop().create_task(self._revalidate(
                    exchange, request, behavior, origin_changes, key))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            self.stats["hits"] += 1
            return stale.response, _hit(stale.response), int(
                time.monotonic() - stale.stored)
        if not leader:
            # Request collapsing: the answer to the miss under way, when it was cacheable.
            try:
                await asyncio.wait_for(landed.wait(), COLLAPSE_WAIT_S)
            except asyncio.TimeoutError:
                pass
            cached = self.caches.get(region, key)
            if cached is not None:
                self.stats["hits"] += 1
                return cached[0], _hit(cached[0]), cached[1]
            self.stats["misses"] += 1
            return await self._fetched(exchange, request, behavior, origin_changes, key)
        try:
            self.stats["misses"] += 1
            return await self._fetched(exchange, request, behavior, origin_changes, key)
        finally:
            self.flights.land(region, key)

    async def _revalidate(self, exchange, request, behavior, origin_changes, key):
        try:
            await self._fetched(exchange, request, behavior, origin_changes, key)
        except Exception:  # noqa: BLE001 - a failed background refresh leaves the stale copy
            pass
        finally:
            self.flights.land(exchange.region, key)

    async def _fetched(self, exchange, request, behavior, origin_changes, key):
        """The origin's answer for `request` (revalidating the expired object under `key`),
        cached under `key` when it may be."""
        region = exchange.region
        stale = self.caches.stale(region, key) if key is not None else None
        asked = time.monotonic()
        response, x_cache, cacheable = await self._from_origin(
            request, behavior, region, exchange.request_id, origin_changes,
            _conditional(stale.response if stale else None), exchange.connection)
        exchange.upstream_ms = (time.monotonic() - asked) * 1000
        response, x_cache = _revalidated(stale, response, x_cache)
        if key is not None and cacheable:
            forwarded = {name for setting in (behavior.cache_policy.cookies,
                                              behavior.request_policy.cookies)
                         for name, _ in pick(setting, cookies_of(request))}
            self.caches.put(region, key, stored(response, forwarded),
                            self._ttl(behavior, response))
        return response, x_cache, None

    def _ttl(self, behavior, response):
        """How long to cache `response`: an error for its ErrorCachingMinTTL when the
        distribution sets one ("Control how long CloudFront caches errors")."""
        custom = self.distribution.error_responses.get(response.status)
        if custom is not None and custom.min_ttl is not None:
            return ttl(behavior.cache_policy, response, error_min_ttl=custom.min_ttl)
        return ttl(behavior.cache_policy, response)

    async def custom_error_response(self, exchange):
        """"Generate custom error responses": for an error status with a ResponsePagePath,
        CloudFront answers with that object and ResponseCode."""
        page = await self._error_page(exchange, exchange.response.status)
        if page is not None:
            exchange.response, exchange.x_cache = page, edge_rules.X_CACHE_ERROR
            exchange.viewer_response_runs = False

    async def _error_page(self, exchange, status):
        """The custom error page for `status` with its ResponseCode, or None when the
        distribution has none or it cannot be had. CloudFront gets the object through the
        behavior its path matches, cached as any object; viewer-request does not run for it."""
        custom = self.distribution.error_responses.get(status) if status >= 400 else None
        if custom is None or not custom.page_path:
            return None
        dist = self.distribution
        page_request = HttpRequest("GET", custom.page_path, "", [], b"",
                                   exchange.request.client_ip)
        behavior = behavior_rules.choose(dist.behaviors, dist.default_behavior, page_request.path)
        page, page_x_cache, _ = await self._cached_or_fetched(exchange, page_request, behavior)
        if page_x_cache is None or page.status >= 400:  # no page: the error goes back
            return None
        return HttpResponse(custom.response_code or status, page.headers, page.body)

    def byte_range(self, exchange):
        exchange.response = delivery.byte_range(exchange.request, exchange.response)

    def compression(self, exchange):
        if self._accept_encoding(exchange.behavior):
            exchange.response = delivery.compressed(exchange.request, exchange.response,
                                                    exchange.behavior)

    def _accept_encoding(self, behavior):
        """Whether Accept-Encoding counts for this behavior's origin (see Origin)."""
        origin = self.distribution.origins.get(behavior.target_origin_id)
        return origin is None or origin.accept_encoding

    async def viewer_response_function(self, exchange):
        behavior = exchange.behavior
        if VRESP not in behavior.functions or not exchange.viewer_response_runs:
            return
        outcome = await self.functions.run(behavior.functions[VRESP], VRESP, exchange.request_id,
                                     exchange.request, {}, exchange.response)
        if outcome.failed:
            return exchange.answer(outcome.failed)
        exchange.response = outcome.response

    async def viewer_response_trigger(self, exchange):
        behavior = exchange.behavior
        if VRESP not in behavior.associations or not exchange.viewer_response_runs:
            return
        exchange.viewer.pop("body", None)
        outcome = await self.triggers.run(behavior.associations[VRESP], exchange.region,
                                    exchange.request_id, exchange.viewer,
                                    events.event_response(exchange.response))
        if outcome.failed:
            return exchange.answer(outcome.failed)
        # The status is the origin's: a viewer-response function cannot change it ("Restrictions
        # on Lambda@Edge"); its headers and body go on.
        changed = events.http_response(outcome.response, exchange.response.body)
        changed.status = exchange.response.status
        exchange.response = changed

    def response_headers_policy(self, exchange):
        policy = exchange.behavior.response_headers if exchange.behavior else None
        if policy is not None:
            exchange.response = response_headers.apply(
                policy, exchange.request, exchange.response, response_headers.Delivery(
                    POPS.get(exchange.region, exchange.region.upper()), exchange.request_id,
                    exchange.x_cache, (time.monotonic() - exchange.started) * 1000,
                    exchange.upstream_ms))

    # --- origins ------------------------------------------------------------------------

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

    async def _from_origin(self, request, behavior, region, request_id, origin_changes=(),
                     conditional=(), connection=viewers.Connection()):
        """(response, X-Cache, cacheable): origin-request, the origin (failing over within an
        origin group), origin-response. `conditional`: the If-None-Match / If-Modified-Since
        CloudFront adds to revalidate an expired object."""
        members, status_codes = self._changed_targets(behavior.target_origin_id, origin_changes)
        # Origin failover is for GET, HEAD and OPTIONS only ("Optimize high availability with
        # CloudFront origin failover"): any other method gets the primary's answer.
        if request.method not in FAILOVER_METHODS:
            members = members[:1]
        for i, origin in enumerate(members):
            cf_request = forwarding.origin_request(request, origin, behavior,
                                                   self._edge_host(region), connection)
            if OR in behavior.associations:
                outcome = await self.triggers.run(behavior.associations[OR], region,
                                                  request_id, cf_request)
                if outcome.failed:
                    return outcome.failed, None, False
                if outcome.response is not None:  # cached; origin-response does not run
                    return (events.http_response(outcome.response, b""),
                            edge_rules.X_CACHE_GENERATED, True)
                cf_request = outcome.request
            to_origin = events.to_origin(cf_request, request.body, request_id)
            to_origin.headers += conditional
            response, timed_out = await self._fetch(self._origin_of(cf_request, origin),
                                                    to_origin)
            last = i == len(members) - 1
            if last or (response is not None and response.status not in status_codes):
                break
        # "Quotas": an origin response's headers are at most 20,480 bytes too; past that,
        # the answer is unusable and the viewer gets 502, as from an unreachable origin.
        if response is not None and sum(len(k) + len(v) + 4 for k, v in response.headers) > \
                edge_rules.MAX_HEADERS_AND_QUERY_BYTES:
            response = None
        response = response or gateway_error(timed_out)
        if ORESP in behavior.associations:
            outcome = await self.triggers.run(behavior.associations[ORESP], region, request_id,
                                              cf_request, events.event_response(response))
            if outcome.failed:
                return outcome.failed, None, False
            response = events.http_response(outcome.response, response.body)
        if behavior.cache_policy.cookies[0] == "none" and behavior.request_policy.cookies[0] == \
                "none" and response.header_values("set-cookie"):
            # "Cache content based on cookies": a behavior that forwards no cookies has the
            # Cookie header removed on the way in and Set-Cookie on the way back.
            response = HttpResponse(response.status, [
                (k, v) for k, v in response.headers if k.lower() != "set-cookie"], response.body)
        response = forwarding.vary_for_viewer(response, behavior)
        x_cache = edge_rules.X_CACHE_ERROR if response.status >= 400 else edge_rules.X_CACHE_MISS
        return response, x_cache, True

    async def _fetch(self, origin, request):
        """(the origin's answer or None when it gave none, whether that was a timeout)."""
        try:
            return await self.fetcher.fetch(origin, request), False
        except OriginUnreachable as unreachable:
            return None, unreachable.timed_out

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
        path = (named.get(kind) or {}).get("path", "")
        if kind == "s3" and ".s3" in domain:  # a bucket by its REST domain, in moto's S3
            return self._origin_at(domain) or Origin(
                id=domain, kind="s3", domain=domain, target=domain.split(".s3")[0], path=path)
        return self._origin_at(domain) or Origin(id=domain, kind="custom", domain=domain,
                               target=self.distribution.mapped.get(domain), path=path)

    # --- answers ------------------------------------------------------------------------

    def refusal(self, status, why):
        """CloudFront's answer to a request the server refuses before the request path
        (bad framing, too large, too slow), shaped as every answer of this distribution."""
        exchange = Exchange(HttpRequest("GET", "/", "", []), ids.cloudfront_request_id(),
                            region=self.regions[0])
        # Past the server's own bounds a request is past CloudFront's quotas too: its 413.
        exchange.answer(_plain(TOO_LARGE.get(status, status), f"{why}\n"))
        return self._finish(exchange)

    def _finish(self, exchange):
        response, region, age = exchange.response, exchange.region, exchange.age
        x_cache = _x_cache(response) or exchange.x_cache or edge_rules.X_CACHE_ERROR
        headers = [(k, v) for k, v in response.headers
                   if k.lower() not in events.HOP_BY_HOP
                   and k.lower() not in ("x-cache", "via", "age")]
        if age is not None:
            headers.append(("Age", str(age)))
        headers += [("X-Cache", x_cache),
                    ("Via", f"1.1 {self._edge_host(region)} (CloudFront)"),
                    ("X-Amz-Cf-Pop", POPS.get(region, f"{region.upper()}-C1")),
                    ("X-Amz-Cf-Id", exchange.request_id)]
        return HttpResponse(response.status, headers, response.body, response.close)
