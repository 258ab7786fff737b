"""Lambda@Edge triggers: each event in the guide's shape, the invoke, and CloudFront's checks.

Event shapes (CloudFront Developer Guide, "Lambda@Edge event structure"):
- every event has `config` {distributionDomainName, distributionId, eventType, requestId};
- viewer-request: `request` without `origin`; origin-request: `request` with `origin`;
- origin-response: the origin `request` and the `response` {status, statusDescription,
  headers}; viewer-response: the viewer `request` and the `response`;
- with IncludeBody, request events carry `body` {inputTruncated, action, encoding, data},
  cut at 40 KB (viewer) or 1 MB (origin).
Failures answer as CloudFront does ("Restrictions on Lambda@Edge", HTTP status codes): an
invalid result 502 LambdaValidationError, an exception 503 LambdaExecutionError, a timeout or
throttle 503 LambdaLimitExceeded; each is logged to /aws/cloudfront/LambdaEdge/<id>.
"""
import base64
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from edge_persist import edge_rules
from edge_persist.emulator.alb import HttpRequest, HttpResponse
from edge_persist.emulator.http11 import reason
from edge_persist.emulator.validator import validate

# Hop-by-hop headers never travel past a proxy, nor into an event.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                        "transfer-encoding", "upgrade"})


def cf_id():
    return base64.urlsafe_b64encode(os.urandom(42)).decode()


def failure(kind):
    status, x_cache = kind
    body = (f"<html><body><h1>{status} ERROR</h1><p>The request could not be satisfied."
            f"</p></body></html>").encode()
    return HttpResponse(status, [("Content-Type", "text/html"), ("X-Cache", x_cache)], body)


def event_headers(pairs):
    headers = {}
    for name, value in pairs:
        if name.lower() not in HOP_BY_HOP:
            headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    return headers


def flat_headers(headers):
    return [(e.get("key", name), e["value"]) for name, entries in (headers or {}).items()
            for e in entries]


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


def http_response(cf_response, body):
    """A (validated) response object back to HTTP; `body` when the function left it alone."""
    if "body" in cf_response:
        text = cf_response.get("body") or ""
        body = base64.b64decode(text) if cf_response.get("bodyEncoding") == "base64" \
            else text.encode()
    return HttpResponse(int(cf_response["status"]), flat_headers(cf_response.get("headers")),
                        body)


@dataclass
class Outcome:
    """What a trigger made of its input: a request or response to go on with, or a failure."""
    request: dict = None
    response: dict = None     # generated (request triggers) or changed (response triggers)
    failed: HttpResponse = None


class Throttle:
    """Lambda@Edge's concurrent executions per region, counted across every function."""

    def __init__(self, limit):
        self.limit = limit
        self._running = {}
        self._lock = threading.Lock()

    def enter(self, region):
        with self._lock:
            if self._running.get(region, 0) >= self.limit:
                return False
            self._running[region] = self._running.get(region, 0) + 1
            return True

    def leave(self, region):
        with self._lock:
            self._running[region] -= 1


class Triggers:
    """Runs a behavior's Lambda@Edge functions in the environments of their region."""

    def __init__(self, pools, shipper, throttle, distribution_id, stats):
        """pools(function spec, region) -> its Pool; stats: the tier's counters."""
        self.pools, self.shipper, self.throttle = pools, shipper, throttle
        self.distribution_id, self.stats = distribution_id, stats
        self.domain = ""

    def run(self, association, region, request_id, cf_request, cf_response=None):
        event_type = association.event_type
        record = {"config": {"distributionDomainName": self.domain,
                             "distributionId": self.distribution_id,
                             "eventType": event_type, "requestId": request_id},
                  "request": cf_request}
        if cf_response is not None:
            record["response"] = cf_response
        if not self.throttle.enter(region):
            return self._fail(region, request_id, edge_rules.LIMIT_FAILURE, "limit_errors",
                              "The Lambda function was throttled: the region's concurrency "
                              f"limit of {self.throttle.limit} was reached.")
        try:
            # The worker gets the event as JSON, so cf_request and cf_response stay intact
            # as the "before" that validation compares against.
            outcome = self.pools(association.function, region).invoke(
                {"Records": [{"cf": record}]}, request_id)
        finally:
            self.throttle.leave(region)
        if outcome.kind == "timeout":
            return self._fail(region, request_id, edge_rules.LIMIT_FAILURE, "limit_errors",
                              "The Lambda function exceeded its timeout.")
        if outcome.kind != "ok":
            return self._fail(region, request_id, edge_rules.EXECUTION_FAILURE,
                              "execution_errors", "The Lambda function returned an error: "
                              f"{(outcome.error or {}).get('errorMessage')}")
        before = cf_request if cf_response is None else cf_response
        problems = validate(event_type, before, outcome.result)
        if problems:
            return self._fail(region, request_id, edge_rules.VALIDATION_FAILURE,
                              "validation_errors", "Lambda function result failed validation: "
                              + "; ".join(problems))
        if cf_response is not None or "status" in outcome.result:
            return Outcome(response=outcome.result)
        return Outcome(request=outcome.result)

    def _fail(self, region, request_id, kind, counter, message):
        self.stats[counter] += 1
        now = datetime.now(timezone.utc)
        self.shipper.put(region, f"/aws/cloudfront/LambdaEdge/{self.distribution_id}",
                         f"{now:%Y/%m/%d}/{self.distribution_id}",
                         f"{now.isoformat(timespec='milliseconds')} {request_id} ERROR {message}")
        return Outcome(failed=failure(kind))


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
