"""CloudFront Functions' request event, back to what the origin receives."""
from edge_persist.emulator.cloudfront_functions import events
from edge_persist.emulator.frontend.messages import HttpRequest


def test_header_names_keep_the_viewers_case_on_the_way_to_the_origin():
    """Page: CloudFront Functions event structure
    Rule: header names in the event are lowercase; the request CloudFront forwards keeps the
    headers the viewer sent under the names the viewer sent them with."""
    viewer = HttpRequest("GET", "/a", "", [("X-Custom-Thing", "1"), ("User-Agent", "ua"),
                                           ("ACCEPT", "*/*")], b"", "192.0.2.1")
    event = events.request_event(viewer)
    assert set(event["headers"]) == {"x-custom-thing", "user-agent", "accept"}
    event["headers"]["x-added"] = {"value": "2"}
    forwarded = events.to_request(viewer, event)
    assert dict(forwarded.headers) == {"X-Custom-Thing": "1", "User-Agent": "ua",
                                       "ACCEPT": "*/*", "x-added": "2"}
