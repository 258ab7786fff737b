"""Response headers policies ("Understand response headers policies"; API Reference,
ResponseHeadersPolicyConfig)."""
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins

from edge_persist.emulator.cloudfront import response_headers
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse
from edge_persist.emulator.template import read_stacks
from edge_persist.errors import UsageError

MISS = response_headers.Delivery("IAD89-C1", "rid==", "Miss from cloudfront", 12.4, 7.6)
HIT = response_headers.Delivery("IAD89-C1", "rid==", "Hit from cloudfront", 1.2)


def request(method="GET", *headers):
    return HttpRequest(method, "/", "", list(headers))


def answer(*headers):
    return HttpResponse(200, list(headers), b"ok")


def names(response):
    return {k.lower(): v for k, v in response.headers}


def test_custom_headers_are_added_and_override_decides_over_the_origins():
    """Page: Understand response headers policies
    Rule: CloudFront adds the policy's custom headers; when the origin already sent one, the
    origin's value stays unless the header's Override is true."""
    policy = response_headers.read({"CustomHeadersConfig": {"Items": [
        {"Header": "X-Team", "Value": "edge", "Override": False},
        {"Header": "X-Build", "Value": "42", "Override": True}]}})
    out = names(response_headers.apply(policy, request(),
                                       answer(("X-Team", "origin"), ("X-Build", "1")), MISS))
    assert out["x-team"] == "origin" and out["x-build"] == "42"


def test_listed_headers_are_removed_before_the_policy_adds_its_own():
    """Page: Understand response headers policies
    Rule: CloudFront removes the headers the policy lists from every response, then adds the
    headers the other sections name: a header both removed and added is in the response."""
    policy = response_headers.read({
        "RemoveHeadersConfig": {"Items": [{"Header": "X-Powered-By"}, {"Header": "X-Team"}]},
        "CustomHeadersConfig": {"Items": [{"Header": "X-Team", "Value": "edge",
                                           "Override": False}]}})
    out = names(response_headers.apply(policy, request(), answer(
        ("X-Powered-By", "php"), ("X-Team", "origin")), MISS))
    assert "x-powered-by" not in out and out["x-team"] == "edge"


def test_a_removed_server_header_is_cloudfronts_own():
    """Page: Understand response headers policies
    Rule: a policy may remove the Server header the origin sent; CloudFront then adds its own
    version, Server: CloudFront."""
    policy = response_headers.read({"RemoveHeadersConfig": {"Items": [{"Header": "Server"}]}})
    out = response_headers.apply(policy, request(), answer(("Server", "nginx")), MISS)
    assert [v for k, v in out.headers if k.lower() == "server"] == ["CloudFront"]


@pytest.mark.parametrize("name", ["Connection", "Content-Length", "Via", "X-Cache",
                                  "X-Amz-Cf-Id", "X-Edge-Location", "Warning",
                                  "X-Amzn-RequestId", "Transfer-Encoding", "Host"])
def test_headers_cloudfront_does_not_let_a_policy_remove_are_refused(name):
    """Page: Understand response headers policies
    Rule: Connection, Content-Encoding, Content-Length, Expect, Host, Keep-Alive, Proxy-*,
    Trailer, Transfer-Encoding, Upgrade, Via, Warning, X-Accel-*, X-Amz-Cf-*, X-Amzn-*,
    X-Cache, X-Edge-*, X-Forwarded-Proto and X-Real-Ip cannot be removed: such a policy is an
    error (the emulator refuses it at start)."""
    with pytest.raises(UsageError, match="remove"):
        response_headers.read({"RemoveHeadersConfig": {"Items": [{"Header": name}]}})


def test_security_headers_of_the_managed_policy():
    """Page: Use managed response headers policies
    Rule: SecurityHeadersPolicy adds Strict-Transport-Security, X-Content-Type-Options,
    X-Frame-Options, X-XSS-Protection and Referrer-Policy; X-Content-Type-Options: nosniff
    whether or not the origin sent one, the others only where the origin sent none."""
    policy = response_headers.MANAGED["67f7725c-6f97-4210-82d7-5512b31e9d03"]
    out = names(response_headers.apply(policy, request(), answer(), MISS))
    assert out["strict-transport-security"] == "max-age=31536000"
    assert out["x-content-type-options"] == "nosniff" and out["x-frame-options"] == "SAMEORIGIN"
    assert out["x-xss-protection"] == "1; mode=block"
    assert out["referrer-policy"] == "strict-origin-when-cross-origin"
    origins_own = names(response_headers.apply(policy, request(), answer(
        ("X-Content-Type-Options", "origin"), ("X-Frame-Options", "DENY")), MISS))
    assert origins_own["x-content-type-options"] == "nosniff"
    assert origins_own["x-frame-options"] == "DENY"


def test_cors_answers_allowed_origins_and_preflights():
    """Page: Understand response headers policies
    Rule: to a request from an allowed Origin CloudFront adds Access-Control-Allow-Origin; to
    a preflight, also the allowed methods, headers and max age; other origins get none."""
    policy = response_headers.read({"CorsConfig": {
        "AccessControlAllowOrigins": {"Items": ["https://app.example"]},
        "AccessControlAllowMethods": {"Items": ["GET", "POST"]},
        "AccessControlAllowHeaders": {"Items": ["content-type"]},
        "AccessControlAllowCredentials": False, "AccessControlMaxAgeSec": 600,
        "OriginOverride": True}})
    simple = names(response_headers.apply(
        policy, request("GET", ("Origin", "https://app.example")), answer(), MISS))
    assert simple["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-methods" not in simple
    preflight = names(response_headers.apply(
        policy, request("OPTIONS", ("Origin", "https://app.example"),
                        ("Access-Control-Request-Method", "POST")), answer(), MISS))
    assert preflight["access-control-allow-methods"] == "GET, POST"
    assert preflight["access-control-max-age"] == "600"
    other = names(response_headers.apply(
        policy, request("GET", ("Origin", "https://evil.example")), answer(), MISS))
    assert "access-control-allow-origin" not in other


def test_server_timing_when_enabled_and_sampled():
    """Page: Understand response headers policies
    Rule: with Server-Timing enabled, CloudFront adds the Server-Timing header to the
    sampled share of responses (SamplingRate, a percentage)."""
    always = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                  "SamplingRate": 100}})
    never = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                 "SamplingRate": 0}})
    assert "server-timing" in names(response_headers.apply(always, request(), answer(), MISS))
    assert "server-timing" not in names(response_headers.apply(never, request(), answer(), MISS))


def test_pragma_server_timing_asks_for_the_header_whatever_the_rate():
    """Page: Understand response headers policies
    Rule: a request with the header Pragma: server-timing gets the Server-Timing header,
    whatever the sampling rate, even 0."""
    never = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                 "SamplingRate": 0}})
    asked = request("GET", ("Pragma", "no-cache, server-timing"))
    assert "server-timing" in names(response_headers.apply(never, asked, answer(), MISS))
    disabled = response_headers.read({})
    assert "server-timing" not in names(response_headers.apply(disabled, asked, answer(), MISS))


def test_server_timing_metrics_for_a_miss_and_a_hit():
    """Page: Understand response headers policies
    Rule: a miss's Server-Timing has cdn-upstream-layer, -dns, -connect and -fbl, then
    cdn-cache-miss, cdn-pop, cdn-rid and cdn-downstream-fbl, with the origin's own value
    added; a hit's has cdn-cache-hit, cdn-pop, cdn-rid, cdn-hit-layer and
    cdn-downstream-fbl, and not the origin's value."""
    policy = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                  "SamplingRate": 100}})
    origin = answer(("Server-Timing", 'db;dur=53'))
    miss = names(response_headers.apply(policy, request(), origin, MISS))["server-timing"]
    assert re.fullmatch(r'cdn-upstream-layer;desc="REC",cdn-upstream-dns;dur=0,'
                        r'cdn-upstream-connect;dur=\d+,cdn-upstream-fbl;dur=8,cdn-cache-miss,'
                        r'cdn-pop;desc="IAD89-C1",cdn-rid;desc="rid==",'
                        r'cdn-downstream-fbl;dur=12,db;dur=53', miss), miss
    hit = names(response_headers.apply(policy, request(), origin, HIT))["server-timing"]
    assert hit == ('cdn-cache-hit,cdn-pop;desc="IAD89-C1",cdn-rid;desc="rid==",'
                   'cdn-hit-layer;desc="REC",cdn-downstream-fbl;dur=1')


def test_a_cdk_policy_is_read_from_the_template(tmp_path):
    """Page: Understand response headers policies
    Rule: a behavior's ResponseHeadersPolicyId names a policy of the template or a managed
    one; both apply to the behavior's answers."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "HeadersStack", env=cdk.Environment(region="us-east-1"))
    policy = cloudfront.ResponseHeadersPolicy(
        stack, "Policy", custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
            custom_headers=[cloudfront.ResponseCustomHeader(header="X-From", value="policy",
                                                           override=True)]))
    cloudfront.Distribution(
        stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin("o.example"), response_headers_policy=policy),
        additional_behaviors={"/managed/*": cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin("o.example"),
            response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS)})
    app.synth()
    (model,) = read_stacks(tmp_path)
    (distribution,) = model.distributions.values()
    read = distribution.default_behavior.response_headers
    assert ("X-From", "policy", True) in read.add
    assert distribution.behaviors[0].response_headers is \
        response_headers.MANAGED["67f7725c-6f97-4210-82d7-5512b31e9d03"]
