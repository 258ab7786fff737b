"""What CloudFront forwards: the Lambda@Edge request events built from the viewer's request.

- viewer-request sees everything the viewer sent, and no origin;
- origin-request sees what the cache policy and the origin request policy forward
  (CloudFront Developer Guide, "Control origin requests with a policy": headers, cookies and
  query strings listed in either policy), plus the headers CloudFront adds itself (Via,
  X-Forwarded-For, User-Agent, Host) and the origin it is going to;
- cookies go to the origin sorted by name ("Cache content based on cookies": CloudFront sorts
  the cookies in natural order by cookie name before forwarding the request);
- X-Forwarded-For carries what the viewer sent with the viewer's IP appended ("Request and
  response behavior for custom origins", X-Forwarded-For);
- the same page's table of request headers: Proxy-Authorization, Proxy-Connection,
  Request-Range, X-Real-IP and X-Forwarded-Proto never reach the origin; Authorization
  reaches it on DELETE, PATCH, POST and PUT (and OPTIONS when OPTIONS is not cached) even
  where no policy lists it; on GET and HEAD only where one does;
- with Gzip or Brotli on in the cache policy, the origin gets the normalized
  Accept-Encoding, as it is in the cache key ("Understand cache policies", compression
  support), not the viewer's own.
"""
from urllib.parse import parse_qsl

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront import viewers
from edge_persist.emulator.cloudfront.cache import cookies_of, normalized_accept_encoding, pick
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.emulator.lambda_edge import events

VR, OR = edge_rules.VIEWER_REQUEST, edge_rules.ORIGIN_REQUEST
NEVER_FORWARDED = frozenset({"proxy-authorization", "proxy-connection", "request-range",
                             "x-real-ip", "x-forwarded-proto"})
AUTHORIZATION_ALWAYS = frozenset({"DELETE", "PATCH", "POST", "PUT"})


def viewer_request(request, behavior):
    """The viewer-request event's `request`: everything the viewer sent, no origin."""
    event = {"clientIp": request.client_ip, "headers": events.event_headers(request.headers),
             "method": request.method, "querystring": request.query, "uri": request.path}
    association = behavior.associations.get(VR)
    if association and association.include_body:
        event["body"] = events.event_body(request.body, VR)
    return event


def origin_request(request, origin, behavior, via_host, connection=viewers.Connection()):
    """The origin-request event's `request`: what the policies forward, and the origin."""
    cache_policy, policy = behavior.cache_policy, behavior.request_policy
    lowered = [(k.lower(), (k, v)) for k, v in request.headers
               if not k.lower().startswith("cloudfront-")  # CloudFront's own, added below
               and k.lower() not in NEVER_FORWARDED]
    keep = {name for name, _ in pick(policy.headers, lowered)} | \
        {name for name, _ in pick(cache_policy.headers, lowered)}
    if request.method in AUTHORIZATION_ALWAYS or (
            request.method == "OPTIONS" and "OPTIONS" not in behavior.cached_methods):
        keep.add("authorization")
    if cache_policy.compress or not origin.accept_encoding or request.http_version == "1.0":
        keep.discard("accept-encoding")
        lowered = [pair for pair in lowered if pair[0] != "accept-encoding"]
        normalized = normalized_accept_encoding(request, cache_policy.brotli) \
            if cache_policy.compress and origin.accept_encoding else ""
        if normalized:
            lowered.append(("accept-encoding", ("Accept-Encoding", normalized)))
            keep.add("accept-encoding")
    # CloudFront's headers reach the origin only where a policy names them ("Add CloudFront
    # request headers"), also beside allViewer (allViewerAndWhitelistCloudFront).
    for name, value in viewers.added(request, connection,
                                     policy.cloudfront_names | cache_policy.cloudfront_names):
        lowered.append((name.lower(), (name, value)))
        keep.add(name.lower())
    headers = events.event_headers(pair for name, pair in lowered
                                   if name in keep and name != "cookie")
    viewer_cookies = cookies_of(request)
    cookies = pick(policy.cookies, viewer_cookies) + pick(cache_policy.cookies, viewer_cookies)
    if cookies:
        headers["cookie"] = [{"key": "Cookie", "value": "; ".join(
            f"{k}={v}" for k, v in sorted(dict(cookies).items()))}]
    headers["via"] = [{"key": "Via", "value": f"2.0 {via_host} (CloudFront)"}]
    sent = ", ".join(request.header_values("x-forwarded-for"))
    headers["x-forwarded-for"] = [{"key": "X-Forwarded-For", "value":
                                   f"{sent}, {request.client_ip}" if sent else request.client_ip}]
    headers.setdefault("user-agent", [{"key": "User-Agent", "value": "Amazon CloudFront"}])
    headers.setdefault("host", [{"key": "Host", "value": origin.domain}])
    forwards_all = "all" in (policy.query_strings[0], cache_policy.query_strings[0])
    query = request.query if forwards_all else "&".join(
        f"{k}={v}" for k, v in _listed_query(request, policy, cache_policy))
    event = {"clientIp": request.client_ip, "headers": headers, "method": request.method,
             "origin": event_origin(origin, connection.protocol), "querystring": query,
             "uri": request.path}
    association = behavior.associations.get(OR)
    if association and association.include_body:
        event["body"] = events.event_body(request.body, OR)
    return event


DEVICE_HEADERS = frozenset({"cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer",
                            "cloudfront-is-smarttv-viewer", "cloudfront-is-tablet-viewer"})


def vary_for_viewer(response, behavior):
    """The origin's answer with its Vary as CloudFront passes it on ("Request and response
    behavior for custom origins", HTTP response headers that CloudFront removes or
    replaces): Accept-Encoding, Cookie and `*` stay; so do the headers the behavior forwards
    to the origin, and User-Agent where a device-type header is forwarded; any other value
    is removed, and a Vary left empty with it."""
    sent = response.header_values("vary")
    if not sent:
        return response
    settings = (behavior.cache_policy.headers, behavior.request_policy.headers)
    devices = bool(DEVICE_HEADERS & (behavior.cache_policy.cloudfront_names |
                                     behavior.request_policy.cloudfront_names))

    def kept(token):
        lowered = token.lower()
        return lowered in ("accept-encoding", "cookie", "*") or \
            (lowered == "user-agent" and devices) or \
            any(pick(setting, [(lowered, "")]) for setting in settings)
    tokens = [t.strip() for value in sent for t in value.split(",") if t.strip()]
    remaining = ", ".join(t for t in tokens if kept(t))
    headers = [(k, v) for k, v in response.headers if k.lower() != "vary"]
    if remaining:
        headers.append(("Vary", remaining))
    return HttpResponse(response.status, headers, response.body)


def _listed_query(request, policy, cache_policy):
    pairs = parse_qsl(request.query, keep_blank_values=True)
    kept = set(pick(policy.query_strings, pairs)) | set(pick(cache_policy.query_strings, pairs))
    return [p for p in pairs if p in kept]


def event_origin(origin, viewer_protocol="http"):
    """The event's `origin`; a match-viewer custom origin is reached over the viewer's
    protocol, on that protocol's port ("Origin settings", Protocol). A blank Accept-Encoding
    custom header is a removal, not a header."""
    custom = {n.lower(): [{"key": n, "value": v}] for n, v in origin.custom_headers.items()
              if n.lower() != "accept-encoding" or str(v).strip()}
    if origin.kind == "s3":
        return {"s3": {"authMethod": origin.auth_method, "customHeaders": custom,
                       "domainName": origin.domain, "path": origin.path,
                       "region": "us-east-1"}}
    protocol, port = origin.protocol, origin.port
    if origin.match_viewer and viewer_protocol == "http":
        protocol, port = "http", origin.http_port
    return {"custom": {"customHeaders": custom, "domainName": origin.domain,
                       "keepaliveTimeout": int(origin.keepalive_timeout), "path": origin.path,
                       "port": port, "protocol": protocol,
                       "readTimeout": int(origin.read_timeout), "sslProtocols": ["TLSv1.2"]}}
