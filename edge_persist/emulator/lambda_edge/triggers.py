"""Lambda@Edge triggers: run a behavior's associated function version on its event (shapes
in events.py), in the serving region's environments, and apply CloudFront's checks.

Every event has `config` {distributionDomainName, distributionId, eventType, requestId}.
Failures answer as CloudFront does ("Restrictions on Lambda@Edge", HTTP status codes): an
invalid result 502 LambdaValidationError, an exception 503 LambdaExecutionError, a timeout or
throttle 503 LambdaLimitExceeded; each is logged to /aws/cloudfront/LambdaEdge/<id>.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from edge_persist import edge_rules
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.emulator.lambda_edge.validation import validate


def failure(kind):
    status, x_cache = kind
    body = (f"<html><body><h1>{status} ERROR</h1><p>The request could not be satisfied."
            f"</p></body></html>").encode()
    return HttpResponse(status, [("Content-Type", "text/html"), ("X-Cache", x_cache)], body)


@dataclass
class TriggerOutcome:
    """What a trigger made of its input: a request or response to go on with, or a failure."""
    request: dict = None
    response: dict = None     # generated (request triggers) or changed (response triggers)
    failed: HttpResponse = None


class Throttle:
    """Lambda@Edge's concurrent executions per region, counted across every function, on the
    emulator's event loop."""

    def __init__(self, limit):
        self.limit = limit
        self._running = {}

    def enter(self, region):
        if self._running.get(region, 0) >= self.limit:
            return False
        self._running[region] = self._running.get(region, 0) + 1
        return True

    def leave(self, region):
        self._running[region] -= 1


class Triggers:
    """Runs a behavior's Lambda@Edge functions in the environments of their region."""

    def __init__(self, pools, shipper, throttle, distribution_id, stats):
        """pools(function spec, region) -> its Pool; stats: the tier's counters."""
        self.pools, self.shipper, self.throttle = pools, shipper, throttle
        self.distribution_id, self.stats = distribution_id, stats
        self.domain = ""

    async def run(self, association, region, request_id, cf_request, cf_response=None):
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
            outcome = await self.pools(association.function, region).invoke(
                {"Records": [{"cf": record}]})
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
            return TriggerOutcome(response=outcome.result)
        return TriggerOutcome(request=outcome.result)

    def _fail(self, region, request_id, kind, counter, message):
        self.stats[counter] += 1
        now = datetime.now(timezone.utc)
        self.shipper.put(region, f"/aws/cloudfront/LambdaEdge/{self.distribution_id}",
                         f"{now:%Y/%m/%d}/{self.distribution_id}",
                         f"{now.isoformat(timespec='milliseconds')} {request_id} ERROR {message}")
        return TriggerOutcome(failed=failure(kind))
