"""Origin behind the ALB: logs the headers CloudFront forwarded, answers with the time.

Standard library only: this folder is the code asset of the origin function.
"""
import base64
import json
from datetime import datetime, timezone

# Headers that carry credentials or the CloudFront-to-ALB shared secret never reach the logs.
REDACTED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-origin-verify"})
REDACTED = "[redacted]"


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


def handler(event, context):
    headers = _flat_headers(event)
    seen = headers.get("custom_header", "")
    print(json.dumps({
        "event": "origin_request",
        "custom_header": seen or None,
        "persist_env": headers.get("x-persist-env"),
        "persist_region": headers.get("x-persist-region"),
        "persist_invocation": headers.get("x-persist-invocation"),
        "probe_id": headers.get("x-probe-id") or _query(event).get("probe"),
        "method": event.get("httpMethod"),
        "path": event.get("path"),
        "body_bytes": _body_size(event),
        "headers": _redact(headers),
    }))  # ASCII escapes: a U+2028 or U+0085 in a header must not split the log line
    method = (event.get("httpMethod") or "GET").upper()
    body = "" if method == "HEAD" else f"Hello from Lambda! {_utc_now_iso()}"
    response_headers = {"Content-Type": "text/plain; charset=utf-8", "x-custom-header-seen": seen}
    response = {"statusCode": 200, "statusDescription": "200 OK", "body": body,
                "isBase64Encoded": False}
    # ALB rejects a response whose header mode does not match the target group's.
    if "multiValueHeaders" in event:
        response["multiValueHeaders"] = {k: [v] for k, v in response_headers.items()}
    else:
        response["headers"] = response_headers
    return response
