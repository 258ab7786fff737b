"""Lambda@Edge events: HTTP messages to the shapes of the CloudFront Developer Guide's
"Lambda@Edge event structure", and the function's results back to HTTP.

- headers are objects keyed by the lowercase name, each a list of {key, value};
- with IncludeBody, request events carry `body` {inputTruncated, action, encoding, data},
  cut at 40 KB (viewer) or 1 MB (origin), and a function may replace it;
- a response's `status` is a string, with its `statusDescription`.
"""
import base64

from edge_persist import edge_rules
from edge_persist.emulator.frontend.fields import capitalized
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse, reason

# Hop-by-hop headers never travel past a proxy, nor into an event.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                        "transfer-encoding", "upgrade"})


def exposed(lowered):
    """Whether a header (lowercase name) reaches a function's event: not hop-by-hop, and not
    one the guide calls disallowed ("Restrictions on all edge functions": not exposed to edge
    functions). A request carries neither further (assumed where the guide's table of
    request headers is silent, for X-Accel-* and X-Amzn-*)."""
    return lowered not in HOP_BY_HOP and not edge_rules.is_disallowed_header(lowered)


def event_headers(pairs):
    headers = {}
    for name, value in pairs:
        lowered = name.lower()
        if exposed(lowered):
            headers.setdefault(lowered, []).append({"key": name, "value": value})
    return headers


def flat_headers(headers):
    """[(name, value)] of an event's headers object. An entry goes on under its `key`; one
    without a key, or whose key is another header's name (the guide's "Overriding a response
    header" example copies X-Amz-Meta-Last-Modified's entry to last-modified), under the
    object's name with initial capitals, as CloudFront writes it."""
    return [(e["key"] if str(e.get("key", "")).lower() == name else capitalized(name),
             e["value"]) for name, entries in (headers or {}).items() for e in entries]


def event_body(data, event_type):
    limit = edge_rules.INCLUDE_BODY_BYTES["viewer" if event_type in edge_rules.VIEWER_TRIGGERS
                                          else "origin"]
    return {"inputTruncated": len(data) > limit, "action": "read-only", "encoding": "base64",
            "data": base64.b64encode(data[:limit]).decode()}


def request_body(cf_request, original):
    """The body to send on: the original, or the function's replacement."""
    body = cf_request.get("body") or {}
    if body.get("action") != "replace":
        return original
    data = body.get("data", "")
    return base64.b64decode(data) if body.get("encoding", "base64") == "base64" \
        else data.encode()


def event_response(response):
    return {"status": str(response.status),
            "statusDescription": reason(response.status),
            "headers": event_headers(response.headers)}


# Statuses whose response has no body (RFC 9110, 204 and 304): CloudFront sends none.
NO_BODY_STATUSES = frozenset({204, 304})


def http_response(cf_response, body):
    """A (validated) response object back to HTTP; `body` when the function left it alone."""
    if "body" in cf_response:
        text = cf_response.get("body") or ""
        body = base64.b64decode(text) if cf_response.get("bodyEncoding") == "base64" \
            else text.encode()
    status = int(cf_response["status"])
    return HttpResponse(status, flat_headers(cf_response.get("headers")),
                        b"" if status in NO_BODY_STATUSES else body)


def to_origin(cf_request, viewer_body, request_id):
    """What the origin receives: the function's request, plus the origin's custom headers and
    the request's X-Amz-Cf-Id."""
    custom = {}
    for kind in ("custom", "s3"):
        custom.update((cf_request.get("origin") or {}).get(kind, {}).get("customHeaders", {}))
    headers = flat_headers({**cf_request["headers"], **custom})
    headers.append(("X-Amz-Cf-Id", request_id))
    return HttpRequest(cf_request["method"], cf_request["uri"], cf_request["querystring"],
                       headers, request_body(cf_request, viewer_body), cf_request["clientIp"])
