"""Origin behind the ALB: logs the headers CloudFront forwarded, answers with the time.

Standard library only: this folder is the code asset of the origin function.
"""
import base64
import json
import re
import time
from datetime import datetime, timezone

# Headers that carry credentials or the CloudFront-to-ALB shared secret never reach the logs.
REDACTED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-origin-verify"})
REDACTED = "[redacted]"
SESSION_COOKIE = "ep_session"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
SESSION_ROUTE = "/session"
SESSION_BYTES_DEFAULT, SESSION_BYTES_MAX = 256, 4096
SESSION_DELAY_MAX_MS = 1000


def _utc_now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _flat_headers(event):
    """Lowercase name -> last value, from either ALB header mode."""
    multi = event.get("multiValueHeaders")
    if multi:
        return {k.lower(): (v[-1] if v else "") for k, v in multi.items()}
    return {k.lower(): v for k, v in (event.get("headers") or {}).items()}


def _query(event):
    multi = event.get("multiValueQueryStringParameters")
    if multi:
        return {k: (v[-1] if v else "") for k, v in multi.items()}
    return event.get("queryStringParameters") or {}


def _redact(headers):
    return {k: (REDACTED if k in REDACTED_HEADERS else v) for k, v in headers.items()}


def _body_size(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return len(base64.b64decode(body, validate=False))
        except ValueError:
            return len(body)
    return len(body.encode("utf-8", "surrogatepass"))


def _session_id(headers):
    """As the edge reads it: cookie ep_session, else x-session-id; None when invalid."""
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value if SESSION_ID.fullmatch(value) else None
    value = headers.get("x-session-id")
    return value if value is not None and SESSION_ID.fullmatch(value) else None


def _bounded(text, default, maximum):
    try:
        return min(max(int(text), 0), maximum)
    except (TypeError, ValueError):
        return default


def _session_data(headers, query):
    """The session's data, as a database read would give it: JSON with the id, the origin's
    time and ?bytes=N of padding, after a simulated ?delay_ms= lookup."""
    delay_ms = _bounded(query.get("delay_ms"), 0, SESSION_DELAY_MAX_MS)
    if delay_ms:
        time.sleep(delay_ms / 1000)
    padding = _bounded(query.get("bytes"), SESSION_BYTES_DEFAULT, SESSION_BYTES_MAX)
    return json.dumps({"session": _session_id(headers), "origin_time": _utc_now_iso(),
                       "padding": "x" * padding}, separators=(",", ":"))


def handler(event, context):
    headers = _flat_headers(event)
    seen = headers.get("custom_header", "")
    print(json.dumps({
        "event": "origin_request",
        "custom_header": seen or None,
        "persist_env": headers.get("x-persist-env"),
        "persist_region": headers.get("x-persist-region"),
        "persist_invocation": headers.get("x-persist-invocation"),
        "kvs_value": headers.get("x-kvs-value"),
        "kvs_region": headers.get("x-kvs-region"),
        "probe_id": headers.get("x-probe-id") or _query(event).get("probe"),
        "method": event.get("httpMethod"),
        "path": event.get("path"),
        "body_bytes": _body_size(event),
        "headers": _redact(headers),
    }))  # ASCII escapes: a U+2028 or U+0085 in a header must not split the log line
    method = (event.get("httpMethod") or "GET").upper()
    response_headers = {"Content-Type": "text/plain; charset=utf-8", "x-custom-header-seen": seen,
                        "x-kvs-value-seen": headers.get("x-kvs-value", ""),
                        "x-kvs-region-seen": headers.get("x-kvs-region", "")}
    if event.get("path") == SESSION_ROUTE and _session_id(headers) is not None:
        body = _session_data(headers, _query(event))
        # origin-response cannot read the body: the header is how the edge gets the data.
        response_headers.update({"Content-Type": "application/json", "x-persist-set": body})
    else:
        body = f"Hello from Lambda! {_utc_now_iso()}"
    body = "" if method == "HEAD" else body
    response = {"statusCode": 200, "statusDescription": "200 OK", "body": body,
                "isBase64Encoded": False}
    # ALB rejects a response whose header mode does not match the target group's.
    if "multiValueHeaders" in event:
        response["multiValueHeaders"] = {k: [v] for k, v in response_headers.items()}
    else:
        response["headers"] = response_headers
    return response
