"""CloudFront Functions events and results: HTTP to the guide's shapes and back, and
CloudFront's checks on what a function returns.

Shapes (CloudFront Developer Guide, "CloudFront Functions event structure"): headers,
cookies and query strings are objects of {value} with `multiValue` when repeated; header
names are lowercase; cookies are not in `headers`; the response has a numeric `statusCode`;
`viewer.ip`; `context.eventType`. Query string values are passed as the viewer sent them
(still URL-encoded); the guide does not say otherwise. Headers the guide calls disallowed
are not in the event ("Restrictions on all edge functions"), and the CloudFront-* headers a
behavior's policies name are, with CloudFront's values ("Add CloudFront request headers").

Back to HTTP, a field with `multiValue` follows the page's two rules: a changed multiValue
array is applied (its `value` then ignored); otherwise a changed `value` replaces the first
value and the rest stay. A header the viewer or the origin sent keeps the name as they wrote
it; one the function added is written with the first letter of each word capitalized
(`example-header-name` becomes `Example-Header-Name`). A request's `querystring` may also
come back as text, used as it is.
"""
import base64
import binascii
import dataclasses

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront.cache import cookies_of
from edge_persist.emulator.frontend import fields
from edge_persist.emulator.frontend.fields import capitalized
from edge_persist.emulator.frontend.messages import HttpResponse, reason
from edge_persist.emulator.lambda_edge.events import exposed

VR = edge_rules.VIEWER_REQUEST


def _add(fields_, name, value):
    entry = fields_.get(name)
    if entry is None:
        fields_[name] = {"value": value}
    else:
        entry.setdefault("multiValue", [{"value": entry["value"]}]).append({"value": value})


def applied(entry, given=None):
    """The entries ({value[, attributes]}) a result's field stands for, `given` being the same
    field in the event the function was handed."""
    multi = entry.get("multiValue")
    if multi is None:
        return [entry]
    if given is not None and multi == given.get("multiValue"):
        first = {k: v for k, v in entry.items() if k != "multiValue"}
        if first != {k: v for k, v in given.items() if k != "multiValue"}:
            return [first, *multi[1:]]
    return multi


def _cookies(request):
    cookies = {}
    for name, value in cookies_of(request):
        _add(cookies, name, value)
    return cookies


def request_event(request, cloudfront=()):
    """`cloudfront`: [(Name, value)] of the CloudFront-* headers CloudFront adds for this
    behavior, in place of any of those names the viewer sent."""
    added = {name.lower() for name, _ in cloudfront}
    headers, query = {}, {}
    for name, value in request.headers:
        lowered = name.lower()
        if exposed(lowered) and lowered != "cookie" and lowered not in added:
            _add(headers, lowered, value)
    for name, value in cloudfront:
        _add(headers, name.lower(), value)
    for part in filter(None, request.query.split("&")):
        name, _, value = part.partition("=")
        _add(query, name, value)
    return {"method": request.method, "uri": request.path, "querystring": query,
            "headers": headers, "cookies": _cookies(request)}


def response_event(response):
    headers, cookies = {}, {}
    for name, value in response.headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            pair, _, attributes = value.partition(";")
            cookie_name, _, cookie_value = pair.strip().partition("=")
            entry = {"value": cookie_value, "attributes": attributes.strip()}
            if cookie_name in cookies:
                first = cookies[cookie_name]
                first.setdefault("multiValue", [dict(first)]).append(entry)
            else:
                cookies[cookie_name] = entry
        elif exposed(lowered):
            _add(headers, lowered, value)
    return {"statusCode": response.status, "statusDescription": reason(response.status),
            "headers": headers, "cookies": cookies}


def event(event_type, context, request, response=None, cloudfront=()):
    """The whole event a function receives."""
    document = {"version": "1.0", "context": {**context, "eventType": event_type},
                "viewer": {"ip": request.client_ip},
                "request": request_event(request, cloudfront)}
    if response is not None:
        document["response"] = response_event(response)
    return document


def _headers(result, given, sent):
    """[(name, value)] of a result's headers; `sent`: lowercase -> the name as the viewer or
    origin wrote it."""
    given = given or {}
    return [(sent.get(name) or capitalized(name), e["value"])
            for name, entry in (result or {}).items() for e in applied(entry, given.get(name))]


def query_text(result, given=None):
    """A result's querystring back to text: as it is when the function gave text, else each
    name=value as the function wrote it."""
    if isinstance(result, str):
        return result
    given = given or {}
    return "&".join(f"{name}={e['value']}" for name, entry in (result or {}).items()
                    for e in applied(entry, given.get(name)))


def to_request(before, given, result):
    """A validated request result back to HTTP; `before`: the viewer's request, `given`: the
    event's request the function was handed."""
    sent = {name.lower(): name for name, _ in before.headers}
    headers = _headers(result.get("headers"), given.get("headers"), sent)
    cookie = "; ".join(f"{name}={e['value']}" for name, entry in
                       (result.get("cookies") or {}).items()
                       for e in applied(entry, (given.get("cookies") or {}).get(name)))
    if cookie:
        headers.append(("Cookie", cookie))
    return dataclasses.replace(before, path=result["uri"], headers=headers, query=query_text(
        result.get("querystring"), given.get("querystring")))


def to_response(result, before=None, given=None):
    """A validated response result back to HTTP; `before`: the response the function was
    handed (viewer-response), whose body goes on when the function set none."""
    given = given or {}
    sent = {name.lower(): name for name, _ in (before.headers if before else ())}
    headers = _headers(result.get("headers"), given.get("headers"), sent)
    given_cookies = given.get("cookies") or {}
    for name, entry in (result.get("cookies") or {}).items():
        for cookie in applied(entry, given_cookies.get(name)):
            attributes = cookie.get("attributes")
            headers.append(("Set-Cookie", f"{name}={cookie['value']}"
                                          + (f"; {attributes}" if attributes else "")))
    body = _body_bytes(result["body"]) if "body" in result else (before.body if before else b"")
    return HttpResponse(int(result["statusCode"]), headers, body)


# --- validation ---------------------------------------------------------------------------

def _fields_problems(what, found):
    """A result's headers, cookies or query string: objects of {value} (with multiValue when
    repeated), and every name and value one HTTP can carry (fields.py: a header or cookie
    name is a token; no value holds a control character; a cookie's attributes neither)."""
    if not isinstance(found, dict):
        return [f"{what} must be an object"]
    problems = []
    for name, entry in found.items():
        multi = entry.get("multiValue", []) if isinstance(entry, dict) else []
        entries = [entry, *multi] if isinstance(multi, list) else None
        if entries is None or not all(
                isinstance(e, dict) and isinstance(e.get("value"), str) for e in entries):
            problems.append(f"{what} {name!r}: needs a string 'value'")
            continue
        if what != "query string" and fields.name_problem(name):
            problems.append(f"{what} name {name!r} is not an HTTP token")
            continue
        for e in entries:
            attributes = e.get("attributes", "")
            problem = fields.value_problem(name, e["value"]) or (
                f"{what} {name!r}: attributes must be text" if not isinstance(attributes, str)
                else fields.value_problem(name, attributes))
            if problem:
                problems.append(f"{what} {name!r}: {problem}")
                break
    return problems


def _header_rules(event_type, before, after):
    problems = []
    for name, entry in after.items():
        if name != name.lower():
            problems.append(f"header name {name!r} must be lowercase")
        elif edge_rules.is_disallowed_header(name) and entry != before.get(name):
            problems.append(f"the function may not add or change the header {name}")
    for name in edge_rules.read_only_headers(event_type):
        if before.get(name) != after.get(name):
            problems.append(f"the header {name} is read-only")
    return problems


def _response_problems(event_type, before_headers, result):
    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or \
            not edge_rules.MIN_STATUS <= status <= edge_rules.MAX_STATUS:
        return [f"statusCode must be a number from {edge_rules.MIN_STATUS} to "
                f"{edge_rules.MAX_STATUS}"]
    problems = []
    description = result.get("statusDescription", "")
    if not isinstance(description, str) or fields.CONTROL.search(description):
        problems.append("statusDescription must be text without control characters")
    headers = result.get("headers", {})
    problems += _fields_problems("header", headers) + _fields_problems(
        "cookie", result.get("cookies", {}))
    if not problems and event_type != VR:
        problems += _header_rules(event_type, before_headers, headers)
    body = result.get("body")
    if body is not None and not isinstance(body, str) and not (
            isinstance(body, dict) and isinstance(body.get("data"), str)
            and body.get("encoding", "text") in edge_rules.BODY_ENCODINGS):
        problems.append("body must be a string or {data, encoding: text|base64}")
    elif body is not None and _body_bytes(body) is None:
        problems.append("body is not valid base64, or not valid Unicode text")
    return problems


def _body_bytes(body):
    """A result's body as bytes; None when it cannot be had."""
    try:
        if isinstance(body, dict):
            data = body["data"]
            return base64.b64decode(data, validate=True) if body.get("encoding") == "base64" \
                else data.encode()
        return str(body).encode()
    except (ValueError, UnicodeEncodeError, binascii.Error):
        return None


def validate(event_type, before, result):
    """Problems with a function's result; `before` is the event it was given."""
    if not isinstance(result, dict):
        return ["the function must return a request or response object"]
    if event_type != VR or "statusCode" in result:
        if event_type != VR and "statusCode" not in result:
            return ["a viewer-response function must return a response object"]
        before_headers = (before.get("response") or {}).get("headers", {})
        return _response_problems(event_type, before_headers, result)
    request = before["request"]
    if result.get("method", request["method"]) != request["method"]:
        return ["the request method is read-only"]
    uri = result.get("uri")
    problem = fields.path_problem(uri)
    if problem:
        return [f"request.uri: {problem}"]
    problems = []
    for what, key in (("header", "headers"), ("query string", "querystring"),
                      ("cookie", "cookies")):
        if not (key == "querystring" and isinstance(result.get(key), str)):
            problems += _fields_problems(what, result.get(key, {}))
    if not problems:
        query = query_text(result.get("querystring"), request["querystring"])
        problem = fields.query_problem(query)
        if problem:
            return [f"request.querystring: {problem}"]
        if len(uri) + len(query) >= edge_rules.MAX_URL_BYTES:
            return [f"the URI and query string are over {edge_rules.MAX_URL_BYTES} characters"]
        problems += _header_rules(event_type, request["headers"], result.get("headers", {}))
    return problems


def origin_problems(event_type, changes, origin_ids, group_ids):
    """Problems with the origin helper calls of one run ("Helper methods for origin
    modification": viewer-request only; ids must name the distribution's origins)."""
    if changes and event_type != VR:
        return ["the origin helpers work in viewer-request functions only"]
    problems = []
    for change in changes:
        params = change["params"]
        if change["kind"] == "select" and params not in origin_ids and params not in group_ids:
            problems.append(f"selectRequestOriginById: no origin {params!r}")
        elif change["kind"] == "group":
            ids = params.get("originIds") if isinstance(params, dict) else None
            if not isinstance(ids, list) or len(ids) < 2 or \
                    any(i not in origin_ids for i in ids):
                problems.append("createRequestOriginGroup: originIds must name at least two "
                                "of the distribution's origins")
        elif change["kind"] == "update" and not (
                isinstance(params, dict) and isinstance(params.get("domainName", ""), str)):
            problems.append("updateRequestOrigin: expects an object with a string domainName")
    return problems
