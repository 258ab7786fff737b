"""One Lambda@Edge function on all four triggers of the feature app: it counts each event
in module memory and shows the counts, so a test can see which triggers ran."""
import base64
import time

COUNTS = {"viewer-request": 0, "origin-request": 0, "origin-response": 0, "viewer-response": 0}


def _header(headers, name, value):
    headers[name.lower()] = [{"key": name, "value": str(value)}]


def _generated(body, cache_control="no-store"):
    return {"status": "200", "statusDescription": "OK", "body": body,
            "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}],
                        "cache-control": [{"key": "Cache-Control", "value": cache_control}]}}


def handler(event, context):
    cf = event["Records"][0]["cf"]
    kind = cf["config"]["eventType"]
    COUNTS[kind] += 1
    request = cf["request"]
    uri = request["uri"]
    if kind == "viewer-request":
        if uri == "/vr-generated":
            return _generated(f"generated at viewer-request {COUNTS[kind]}")
        if uri == "/api/special":
            return _generated("narrow behavior")
        return request
    if kind == "origin-request":
        if uri == "/or-generated":
            return _generated(f"generated at origin-request {COUNTS[kind]}", "max-age=60")
        if uri.startswith("/slow/"):
            time.sleep(1.0)
        _header(request["headers"], "x-or-count", COUNTS[kind])
        if "body" in request:
            body = request["body"]
            _header(request["headers"], "x-body-truncated", body["inputTruncated"])
            _header(request["headers"], "x-body-bytes", len(base64.b64decode(body["data"])))
        return request
    response = cf["response"]
    if kind == "origin-response":
        if uri.startswith("/oresp") and response["status"] == "404":
            response["status"] = "200"
            response["statusDescription"] = "OK"
            _header(response["headers"], "x-oresp", "rewrote 404")
        return response
    for name, count in COUNTS.items():
        _header(response["headers"], f"x-count-{name}", count)
    if uri.startswith("/vresp-status"):  # CloudFront keeps the origin's status regardless
        response["status"] = "418"
        _header(response["headers"], "x-vresp", "tried 418")
    return response
