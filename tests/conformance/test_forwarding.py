"""Cache key and what CloudFront forwards: query strings, cookies, X-Forwarded-For, bodies."""
import json

import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.cloudfront import forwarding
from edge_persist.emulator.cloudfront.behaviors import Behavior
from edge_persist.emulator.cloudfront.cache import cache_key
from edge_persist.emulator.cloudfront.origins import Origin
from edge_persist.emulator.cloudfront.policies import (CachePolicy, OriginRequestPolicy,
                                                      read_cache_policy, read_request_policy)
from edge_persist.emulator.frontend.messages import HttpRequest

ALL = ("all", ())
KEYED = CachePolicy(0, 60, 600, ("none", ()), ("none", ()), ALL, False)


def request(query="", headers=()):
    return HttpRequest("GET", "/x", query, list(headers), b"", "203.0.113.9")


def behavior():
    return Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET", "HEAD"),
                    cached_methods=("GET", "HEAD"), cache_policy=KEYED,
                    request_policy=OriginRequestPolicy(ALL, ALL, ALL))


def test_query_strings_in_another_order_are_another_object():
    """Page: Cache content based on query string parameters
    Rule: the same parameters in a different order are cached as different objects."""
    methods = ("GET", "HEAD")
    assert cache_key(KEYED, request("a=1&b=2"), methods) != \
        cache_key(KEYED, request("b=2&a=1"), methods)


def test_cookies_reach_the_origin_sorted_by_name():
    """Page: Cache content based on cookies
    Rule: CloudFront sorts the cookies in natural order by cookie name before forwarding."""
    event = forwarding.origin_request(request(headers=[("Cookie", "zeta=1; alpha=2; mid=3")]),
                                      Origin(id="o", kind="custom", domain="o.example"),
                                      behavior(), "edge.example")
    assert event["headers"]["cookie"][0]["value"] == "alpha=2; mid=3; zeta=1"


def test_x_forwarded_for_gets_the_viewers_ip_appended():
    """Page: Request and response behavior for custom origins
    Rule: when the viewer sends X-Forwarded-For, CloudFront appends the viewer's IP address
    and forwards it."""
    origin = Origin(id="o", kind="custom", domain="o.example")
    sent = forwarding.origin_request(request(headers=[("X-Forwarded-For", "192.0.2.1")]),
                                     origin, behavior(), "edge.example")
    assert sent["headers"]["x-forwarded-for"][0]["value"] == "192.0.2.1, 203.0.113.9"
    alone = forwarding.origin_request(request(), origin, behavior(), "edge.example")
    assert alone["headers"]["x-forwarded-for"][0]["value"] == "203.0.113.9"


def test_a_get_with_a_body_is_refused_with_403(get):
    """Page: Request and response behavior for custom origins
    Rule: if a viewer makes a GET request and includes a body, CloudFront returns 403."""
    assert get("/body/x", data=b"payload").status_code == 403
    assert get("/body/x", method="POST", data=b"payload").status_code != 403


def test_behaviors_are_tried_in_declared_order(get):
    """Page: Cache behavior settings
    Rule: CloudFront matches the path against the behaviors in the order they are listed;
    the first match wins, not the most specific."""
    assert get("/api/special").headers.get("X-Cache") != "Hit from cloudfront"
    # /api/* (declared first) fails over from a 503 primary to the echo origin
    assert get("/api/special").json()["path"] == "/api/special"


def test_a_viewer_response_function_cannot_change_the_status(get):
    """Page: Restrictions on Lambda@Edge
    Rule: a viewer-response function cannot change the HTTP status code: the viewer gets the
    origin's status with the function's headers."""
    # the feature app's viewer-response function sets 418 on /vresp-status
    answer = get("/vresp-status?v=vs1")
    assert answer.headers["x-vresp"] == "tried 418" and answer.status_code == 200


def test_set_cookie_is_removed_where_no_cookie_is_forwarded(get, emu):
    """Page: Cache content based on cookies
    Rule: with cookies not forwarded, CloudFront removes the Cookie header from requests to
    the origin and the Set-Cookie header from responses to viewers; where cookies are
    forwarded, the origin's Set-Cookie reaches the viewer."""
    forwarded = get("/?v=cookie-all&setcookie=flavour%3Dplain", cookies={"seen": "1"})
    assert forwarded.headers.get("Set-Cookie") == "flavour=plain"
    assert json.loads(forwarded.text)["cookies"] == ["seen=1"]
    stripped = requests.get(emu.url.replace("http:", "https:") + "/https-only/c?setcookie=flavour%3Dplain",
                            cookies={"seen": "1"}, verify=emu.certificate, timeout=30,
                            headers={REGION_HEADER: "us-east-1"})
    assert stripped.status_code == 200
    assert "Set-Cookie" not in stripped.headers
    assert not json.loads(stripped.text)["cookies"]


ORIGIN = Origin(id="o", kind="custom", domain="o.example")
NONE = ("none", ())


def forwarded_headers(method="GET", headers=(), cache_policy=KEYED, cached=("GET", "HEAD"),
                      request_headers=ALL):
    chosen = Behavior(path_pattern=None, target_origin_id="o",
                      allowed_methods=("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH",
                                       "DELETE"),
                      cached_methods=cached, cache_policy=cache_policy,
                      request_policy=OriginRequestPolicy(request_headers, ALL, ALL))
    sent = HttpRequest(method, "/x", "", list(headers), b"", "203.0.113.9")
    return forwarding.origin_request(sent, ORIGIN, chosen, "edge.example")["headers"]


def test_headers_cloudfront_removes_before_the_origin():
    """Page: Request and response behavior for custom origins
    Rule: CloudFront removes Proxy-Authorization, Proxy-Connection, Request-Range, X-Real-IP,
    X-Forwarded-Proto, Expect and all X-Edge-* headers before forwarding, whatever the policy
    forwards."""
    removed = ("Proxy-Authorization", "Proxy-Connection", "Request-Range", "X-Real-IP",
               "X-Forwarded-Proto", "X-Edge-Location", "X-Edge-Anything", "Expect")
    headers = forwarded_headers(headers=[(name, "v") for name in removed] + [("X-Kept", "k")])
    assert not {name.lower() for name in removed} & set(headers)
    assert headers["x-kept"][0]["value"] == "k"


def test_authorization_is_forwarded_on_writes_whatever_the_policy():
    """Page: Request and response behavior for custom origins
    Rule: for DELETE, PATCH, POST and PUT, CloudFront forwards Authorization to the origin;
    for GET and HEAD only when the policy forwards it; for OPTIONS unless OPTIONS responses
    are cached."""
    auth = [("Authorization", "Bearer t")]
    for method in ("DELETE", "PATCH", "POST", "PUT", "OPTIONS"):
        assert "authorization" in forwarded_headers(method, auth, request_headers=NONE), method
    for method in ("GET", "HEAD"):
        assert "authorization" not in forwarded_headers(method, auth, request_headers=NONE)
        assert "authorization" in forwarded_headers(method, auth)
    assert "authorization" not in forwarded_headers(
        "OPTIONS", auth, request_headers=NONE, cached=("GET", "HEAD", "OPTIONS"))


def test_the_origin_gets_the_normalized_accept_encoding():
    """Page: Understand cache policies
    Rule: with Gzip or Brotli support on, CloudFront normalizes Accept-Encoding (gzip and br
    only) and sends the normalized header to the origin."""
    compressing = CachePolicy(0, 60, 600, NONE, NONE, ALL, True)
    offered = [("Accept-Encoding", "deflate, gzip;q=0.8, br, zstd")]
    headers = forwarded_headers(headers=offered, cache_policy=compressing)
    assert [e["value"] for e in headers["accept-encoding"]] == ["br,gzip"]
    plain = forwarded_headers(headers=[("Accept-Encoding", "deflate")],
                              cache_policy=compressing)
    assert "accept-encoding" not in plain


def legacy(forwarded_values):
    config = {"TargetOriginId": "o", "ForwardedValues": forwarded_values, "MinTTL": 0,
              "DefaultTTL": 60, "MaxTTL": 600}
    return Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET", "HEAD"),
                    cached_methods=("GET", "HEAD"),
                    cache_policy=read_cache_policy(None, config, {}),
                    request_policy=read_request_policy(None, {}, behavior=config))


def test_forwarding_every_header_turns_caching_off():
    """Page: Cache content based on request headers
    Rule: when a behavior forwards all headers to the origin (legacy Headers ["*"]),
    CloudFront does not cache its objects and sends every request to the origin, with every
    header."""
    every = legacy({"QueryString": False, "Headers": ["*"]})
    assert cache_key(every.cache_policy, request(headers=[("X-A", "1")]),
                     every.cached_methods) is None
    sent = forwarding.origin_request(request(headers=[("X-A", "1"), ("Accept-Language", "fr")]),
                                     ORIGIN, every, "edge.example")["headers"]
    assert sent["x-a"][0]["value"] == "1" and sent["accept-language"][0]["value"] == "fr"
    listed = legacy({"QueryString": False, "Headers": ["X-A"]})
    assert cache_key(listed.cache_policy, request(headers=[("X-A", "1")]),
                     listed.cached_methods) is not None


def test_query_string_cache_keys_narrow_the_key_not_what_is_forwarded():
    """Page: Cache content based on query string parameters
    Rule: with query strings forwarded and a list of query string keys to cache on, CloudFront
    forwards every parameter to the origin but caches on the listed ones only."""
    narrowed = legacy({"QueryString": True, "QueryStringCacheKeys": ["size"]})
    methods = narrowed.cached_methods
    assert cache_key(narrowed.cache_policy, request("size=1&color=red"), methods) == \
        cache_key(narrowed.cache_policy, request("size=1&color=blue"), methods)
    assert cache_key(narrowed.cache_policy, request("size=1"), methods) != \
        cache_key(narrowed.cache_policy, request("size=2"), methods)
    sent = forwarding.origin_request(request("size=1&color=red"), ORIGIN, narrowed,
                                     "edge.example")
    assert sent["querystring"] == "size=1&color=red"


def test_a_legacy_cookie_allow_list_takes_wildcards():
    """Page: Cache content based on cookies
    Rule: the cookie names a legacy behavior lists may use * (any run of characters) and ?
    (exactly one); CloudFront forwards and caches on the cookies that match."""
    wild = legacy({"QueryString": False, "Cookies": {
        "Forward": "whitelist", "WhitelistedNames": ["user_*", "ab?"]}})
    sent = forwarding.origin_request(
        request(headers=[("Cookie", "user_id=1; user_=2; abc=3; abcd=4; other=5")]),
        ORIGIN, wild, "edge.example")["headers"]
    assert sent["cookie"][0]["value"] == "abc=3; user_=2; user_id=1"


def test_the_all_viewer_policy_forwards_the_viewers_host(get, all_viewer_origin):
    """Page: Use managed origin request policies
    Rule: AllViewer includes all headers in viewer requests, the Host header among them: the
    origin gets the Host the viewer sent, not the origin's domain name."""
    assert get("/allviewer/x", headers={"Host": "www.viewer.example"}).status_code == 200
    assert all_viewer_origin.seen[-1]["Host"] == "www.viewer.example"


def test_vary_keeps_only_the_values_cloudfront_passes_on(get):
    """Page: Request and response behavior for custom origins
    Rule: of the origin's Vary, CloudFront passes on Accept-Encoding and Cookie, the headers
    the behavior forwards to the origin, and User-Agent only where a device-type header is
    forwarded; it removes any other value."""
    forwarded = get("/body/x?vary=Accept-Encoding,X-Custom,User-Agent,Cookie")
    assert forwarded.headers["Vary"] == "Accept-Encoding, X-Custom, User-Agent, Cookie"
    narrow = get("/device/vary?v=2&vary=Accept-Encoding,X-Custom,User-Agent,Origin")
    assert narrow.headers["Vary"] == "Accept-Encoding, User-Agent"
    gone = get("/device/vary?v=3&vary=X-Custom")
    assert "Vary" not in gone.headers


def test_a_blank_accept_encoding_origin_header_takes_it_out_of_key_and_request():
    """Page: Increase the proportion of requests that are served directly from the CloudFront
    caches
    Rule: with an origin custom header Accept-Encoding whose value is blank, CloudFront
    removes Accept-Encoding from the cache key and does not include it in origin requests."""
    blank = Origin(id="o", kind="custom", domain="o.example",
                   custom_headers={"Accept-Encoding": ""})
    compressing = Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET",),
                           cached_methods=("GET",), request_policy=OriginRequestPolicy(
                               ALL, ALL, ALL), cache_policy=CachePolicy(
                               0, 60, 600, ("none", ()), ("none", ()), ALL, True))
    sent = request(headers=[("Accept-Encoding", "gzip, br")])
    event = forwarding.origin_request(sent, blank, compressing, "edge.example")
    assert "accept-encoding" not in event["headers"]
    assert "accept-encoding" not in event["origin"]["custom"]["customHeaders"]
    policy = compressing.cache_policy
    assert cache_key(policy, sent, ("GET",), accept_encoding=False) == \
        cache_key(policy, request(), ("GET",), accept_encoding=False)
    assert cache_key(policy, sent, ("GET",)) != cache_key(policy, request(), ("GET",))
