"""CloudFront Functions' request event, back to what the origin receives."""
import copy

from edge_persist.emulator.cloudfront_functions import events
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse


def test_header_names_keep_the_viewers_case_on_the_way_to_the_origin():
    """Page: CloudFront Functions event structure
    Rule: header names in the event are lowercase; when CloudFront converts the event back
    to an HTTP request, a header the function added is named with the first letter of each
    hyphen-separated word capitalized (example-header-name: Example-Header-Name). Assumed: a
    header the viewer sent keeps the name the viewer gave it."""
    viewer = HttpRequest("GET", "/a", "", [("X-Custom-Thing", "1"), ("User-Agent", "ua"),
                                           ("ACCEPT", "*/*")], b"", "192.0.2.1")
    given = events.request_event(viewer)
    assert set(given["headers"]) == {"x-custom-thing", "user-agent", "accept"}
    result = copy.deepcopy(given)
    result["headers"]["example-header-name"] = {"value": "2"}
    forwarded = events.to_request(viewer, given, result)
    assert dict(forwarded.headers) == {"X-Custom-Thing": "1", "User-Agent": "ua",
                                       "ACCEPT": "*/*", "Example-Header-Name": "2"}


def _viewer(*headers, query=""):
    return HttpRequest("GET", "/a", query, list(headers), b"", "192.0.2.1")


def test_a_changed_multivalue_array_is_applied_and_its_value_ignored():
    """Page: CloudFront Functions event structure
    Rule: if a field's multiValue array exists and has any modification, that modification is
    applied and the value property is ignored."""
    viewer = _viewer(("Accept", "a"), ("Accept", "b"), query="q=1&q=2")
    given = events.request_event(viewer)
    result = copy.deepcopy(given)
    result["headers"]["accept"]["multiValue"].append({"value": "c"})
    result["headers"]["accept"]["value"] = "ignored"
    result["querystring"]["q"]["multiValue"][1]["value"] = "3"
    forwarded = events.to_request(viewer, given, result)
    assert forwarded.header_values("accept") == ["a", "b", "c"]
    assert forwarded.query == "q=1&q=3"


def test_a_changed_value_replaces_the_first_of_several_and_the_rest_stay():
    """Page: CloudFront Functions event structure
    Rule: otherwise a modification to the value property is applied, and the subsequent
    values remain unchanged."""
    viewer = _viewer(("Accept", "a"), ("Accept", "b"), ("Cookie", "c=1; c=2"),
                     query="q=1&q=2&r=x")
    given = events.request_event(viewer)
    result = copy.deepcopy(given)
    result["headers"]["accept"]["value"] = "z"
    result["querystring"]["q"]["value"] = "9"
    result["cookies"]["c"]["value"] = "7"
    forwarded = events.to_request(viewer, given, result)
    assert forwarded.header_values("accept") == ["z", "b"]
    assert forwarded.query == "q=9&q=2&r=x"


def test_response_cookies_follow_the_same_multivalue_rules():
    """Page: CloudFront Functions event structure
    Rule: query strings, headers and cookies share one structure, the Set-Cookie attributes
    in `attributes`; the multiValue rules hold for a response's cookies too."""
    origin = HttpResponse(200, [("Set-Cookie", "id=1; Path=/"), ("Set-Cookie", "id=2")], b"b")
    given = events.response_event(origin)
    result = copy.deepcopy(given)
    result["cookies"]["id"]["attributes"] = "Path=/x"
    back = events.to_response(result, origin, given)
    assert back.header_values("set-cookie") == ["id=1; Path=/x", "id=2"]


def test_added_response_headers_are_capitalized_and_the_origins_keep_their_names():
    """Page: CloudFront Functions event structure
    Rule: converting the response back, a header the function added gets each word
    capitalized; a function's generated response too. Assumed: the origin's headers keep
    the names the origin wrote."""
    origin = HttpResponse(200, [("content-TYPE", "text/plain")], b"b")
    given = events.response_event(origin)
    result = copy.deepcopy(given)
    result["headers"]["x-frame-options"] = {"value": "DENY"}
    back = events.to_response(result, origin, given)
    assert back.headers == [("content-TYPE", "text/plain"), ("X-Frame-Options", "DENY")]
    generated = events.to_response({"statusCode": 302, "headers": {
        "location": {"value": "/b"}, "cache-control": {"value": "no-store"}}})
    assert generated.headers == [("Location", "/b"), ("Cache-Control", "no-store")]


def test_disallowed_headers_are_not_in_the_event():
    """Page: Restrictions on all edge functions
    Rule: disallowed headers (Connection, Expect, Keep-Alive, Proxy-*, Trailer, Upgrade,
    X-Accel-*, X-Amz-Cf-*, X-Amzn-*, X-Cache, X-Edge-*, X-Forwarded-Proto, X-Real-IP) are not
    exposed to edge functions."""
    viewer = _viewer(("X-Real-IP", "1"), ("X-Forwarded-Proto", "https"), ("X-Edge-Thing", "e"),
                     ("Expect", "100-continue"), ("X-Accel-Buffering", "no"),
                     ("X-Amz-Cf-Id", "spoof"), ("X-Ok", "kept"))
    assert set(events.request_event(viewer)["headers"]) == {"x-ok"}
    origin = HttpResponse(200, [("X-Cache", "Hit"), ("X-Amzn-RequestId", "r"), ("X-Ok", "1")])
    assert set(events.response_event(origin)["headers"]) == {"x-ok"}


def test_the_cloudfront_headers_a_policy_names_are_in_the_event_with_cloudfronts_values():
    """Page: Add CloudFront request headers
    Rule: CloudFront adds the CloudFront-* headers a policy names to the requests it forwards
    to the origin or an edge function; the guide's CloudFront Functions example event carries
    cloudfront-viewer-country. A viewer's own header of that name does not survive."""
    viewer = _viewer(("CloudFront-Viewer-Country", "XX"), ("User-Agent", "ua"))
    event = events.request_event(viewer, [("CloudFront-Viewer-Country", "DE")])
    assert event["headers"]["cloudfront-viewer-country"] == {"value": "DE"}
