"""The emulator's ALB tier: listener conditions and the Lambda response translation."""
import asyncio
import base64

import pytest

from edge_persist.emulator.alb.listeners import AlbTier
from edge_persist.emulator.frontend.messages import HttpRequest
from edge_persist.emulator.template import LoadBalancer, Rule


def request(path="/", headers=(), method="GET", query=""):
    return HttpRequest(method, path, query, list(headers))


def tier(conditions):
    lb = LoadBalancer("Alb", 80, [Rule(1, conditions, {
        "Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}})],
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}})
    return AlbTier(lb, pools={})


@pytest.mark.parametrize("conditions, matching, other", [
    ([{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify",
                                                    "Values": ["s3cr*t"]}}],
     request(headers=[("x-origin-verify", "S3CRET")]), request(headers=[("x-origin-verify", "x")])),
    ([{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
     request("/api/v1"), request("/API/v1")),
    ([{"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}}],
     request(method="POST"), request()),
    ([{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}}],
     request(query="v=2"), request(query="v=3")),
])
def test_conditions_decide_between_the_rule_and_the_default(conditions, matching, other):
    alb = tier(conditions)
    assert asyncio.run(alb.handle(matching)).status == 200
    assert asyncio.run(alb.handle(other)).status == 403


def test_a_response_over_1_mb_is_a_502():
    response = AlbTier._translate({"statusCode": 200, "body": "x" * (1 << 20)})
    assert response.status == 502


@pytest.mark.parametrize("bad", [None, "text", {"body": "no status"}, {"statusCode": "abc"}])
def test_a_malformed_response_is_a_502(bad):
    assert AlbTier._translate(bad).status == 502


def test_base64_bodies_and_multi_value_headers_are_translated():
    response = AlbTier._translate({
        "statusCode": 201, "isBase64Encoded": True, "body": base64.b64encode(b"\x00\x01").decode(),
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}})
    assert (response.status, response.body) == (201, b"\x00\x01")
    assert response.headers == [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]


def test_the_lambda_event_follows_the_target_groups_header_mode():
    alb = tier([])
    viewer = request("/p", [("Accept", "a"), ("accept", "b")], query="k=1&k=2")
    single = alb.event("Group", viewer)
    assert single["headers"] == {"accept": "b"} and single["queryStringParameters"] == {"k": "2"}
    alb.multi_value = {"Group": True}
    multi = alb.event("Group", viewer)
    assert multi["multiValueHeaders"] == {"accept": ["a", "b"]}
    assert multi["multiValueQueryStringParameters"] == {"k": ["1", "2"]}
