"""CloudFront Functions events: the guide's shapes from HTTP and back, and CloudFront's checks
on a function's result."""
import copy

import pytest

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront_functions import events as function_events
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse

VR, VRESP = edge_rules.VIEWER_REQUEST, edge_rules.VIEWER_RESPONSE


def viewer_request():
    return HttpRequest("GET", "/path", "a=1&a=2&b=", [
        ("Host", "d111.cloudfront.net"), ("Accept", "text/html"), ("X-Two", "1"),
        ("X-Two", "2"), ("Cookie", "id=42; theme=dark"), ("Connection", "keep-alive")],
        b"", "203.0.113.9")


def test_the_request_event_has_the_guide_shape():
    event = function_events.event(VR, {"requestId": "r"}, viewer_request())
    request = event["request"]
    assert event["version"] == "1.0" and event["context"]["eventType"] == VR
    assert event["viewer"] == {"ip": "203.0.113.9"}
    assert request["headers"]["host"] == {"value": "d111.cloudfront.net"}
    assert request["headers"]["x-two"] == {"value": "1", "multiValue": [{"value": "1"},
                                                                         {"value": "2"}]}
    assert "cookie" not in request["headers"] and "connection" not in request["headers"]
    assert request["cookies"] == {"id": {"value": "42"}, "theme": {"value": "dark"}}
    assert request["querystring"]["a"]["multiValue"] == [{"value": "1"}, {"value": "2"}]
    assert request["querystring"]["b"] == {"value": ""}


def test_an_unchanged_request_goes_back_to_the_same_http():
    before = viewer_request()
    cf_request = function_events.request_event(before)
    after = function_events.to_request(before, copy.deepcopy(cf_request), cf_request)
    assert after.query == before.query and after.path == before.path
    assert sorted(after.header_values("x-two")) == ["1", "2"]
    assert after.header_values("cookie") == ["id=42; theme=dark"]
    assert after.client_ip == before.client_ip


def test_set_cookie_headers_become_cookies_with_attributes_and_back():
    response = HttpResponse(200, [("Set-Cookie", "a=1; Path=/; Secure"), ("Set-Cookie", "a=2"),
                                  ("Content-Type", "text/plain")], b"body")
    event = function_events.response_event(response)
    assert event["statusCode"] == 200 and event["statusDescription"] == "OK"
    assert event["cookies"]["a"]["multiValue"][0] == {"value": "1", "attributes": "Path=/; Secure"}
    back = function_events.to_response(copy.deepcopy(event), response, event)
    assert back.body == b"body"
    assert [v for k, v in back.headers if k == "Set-Cookie"] == ["a=1; Path=/; Secure", "a=2"]


def test_a_generated_body_may_be_base64():
    result = {"statusCode": 200, "body": {"data": "aGk=", "encoding": "base64"}}
    assert function_events.to_response(result).body == b"hi"


def _vr_event():
    return function_events.event(VR, {}, viewer_request())


@pytest.mark.parametrize("change, words", [
    (lambda r: r.update(method="POST"), "method is read-only"),
    (lambda r: r.update(uri="no-slash"), "does not start with /"),
    (lambda r: r["headers"].update({"x-amz-cf-id": {"value": "x"}}), "x-amz-cf-id"),
    (lambda r: r["headers"].update({"host": {"value": "elsewhere"}}), "host is read-only"),
    (lambda r: r["headers"].update({"X-Upper": {"value": "x"}}), "must be lowercase"),
    (lambda r: r["headers"].update({"x-n": {"value": 3}}), "needs a string 'value'"),
    (lambda r: r["querystring"].update({"q": "bare"}), "query string 'q'"),
    (lambda r: r["cookies"].update({"c": {"value": "a\r\nb"}}), "control character"),
])
def test_an_invalid_request_result_is_refused(change, words):
    event = _vr_event()
    result = copy.deepcopy(event["request"])
    change(result)
    problems = function_events.validate(VR, event, result)
    assert any(words in p for p in problems), problems


def test_a_changed_request_with_allowed_edits_passes():
    event = _vr_event()
    result = copy.deepcopy(event["request"])
    result["uri"] = "/index.html"
    result["headers"]["x-kvs-value"] = {"value": "hello"}
    result["querystring"] = {}
    assert function_events.validate(VR, event, result) == []


@pytest.mark.parametrize("result, words", [
    (None, "must return a request or response"),
    ({"statusCode": "302"}, "statusCode must be a number"),
    ({"statusCode": 700}, "statusCode must be a number"),
    ({"statusCode": 200, "body": {"data": "x", "encoding": "gzip"}}, "body must be"),
])
def test_an_invalid_generated_response_is_refused(result, words):
    problems = function_events.validate(VR, _vr_event(), result)
    assert any(words in p for p in problems), problems


def test_a_viewer_response_function_must_return_a_response_and_keep_read_only_headers():
    response = HttpResponse(200, [("Content-Length", "4")], b"body")
    event = function_events.event(VRESP, {}, viewer_request(), response)
    assert function_events.validate(VRESP, event, event["request"]) == [
        "a viewer-response function must return a response object"]
    changed = copy.deepcopy(event["response"])
    changed["headers"]["content-length"] = {"value": "9"}
    assert "the header content-length is read-only" in function_events.validate(
        VRESP, event, changed)


@pytest.mark.parametrize("changes, words", [
    ([{"kind": "select", "params": "nowhere"}], "no origin 'nowhere'"),
    ([{"kind": "group", "params": {"originIds": ["a"]}}], "at least two"),
    ([{"kind": "update", "params": {"domainName": 5}}], "string domainName"),
])
def test_origin_helpers_must_name_real_origins(changes, words):
    (problem,) = function_events.origin_problems(VR, changes, {"a": 1, "b": 2}, {})
    assert words in problem


def test_origin_helpers_work_in_viewer_request_only():
    changes = [{"kind": "select", "params": "a"}]
    assert function_events.origin_problems(VR, changes, {"a": 1}, {}) == []
    assert function_events.origin_problems(VRESP, changes, {"a": 1}, {}) == [
        "the origin helpers work in viewer-request functions only"]
