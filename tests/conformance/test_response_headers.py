"""Response headers policies ("Understand response headers policies"; API Reference,
ResponseHeadersPolicyConfig)."""
import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins

from edge_persist.emulator.cloudfront import response_headers
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse
from edge_persist.emulator.template import read_stacks


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
                                       answer(("X-Team", "origin"), ("X-Build", "1")), "IAD"))
    assert out["x-team"] == "origin" and out["x-build"] == "42"


def test_listed_headers_are_removed():
    """Page: Understand response headers policies
    Rule: CloudFront removes the headers the policy lists from the origin's response."""
    policy = response_headers.read({"RemoveHeadersConfig": {"Items": [{"Header": "Server"}]}})
    assert "server" not in names(response_headers.apply(policy, request(),
                                                        answer(("Server", "nginx")), "IAD"))


def test_security_headers_of_the_managed_policy():
    """Page: Use managed response headers policies
    Rule: SecurityHeadersPolicy adds Strict-Transport-Security, X-Content-Type-Options,
    X-Frame-Options, X-XSS-Protection and Referrer-Policy."""
    policy = response_headers.MANAGED["67f7725c-6f97-4210-82d7-5512b31e9d03"]
    out = names(response_headers.apply(policy, request(), answer(), "IAD"))
    assert out["strict-transport-security"] == "max-age=31536000"
    assert out["x-content-type-options"] == "nosniff" and out["x-frame-options"] == "SAMEORIGIN"
    assert out["x-xss-protection"] == "1; mode=block"
    assert out["referrer-policy"] == "strict-origin-when-cross-origin"


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
        policy, request("GET", ("Origin", "https://app.example")), answer(), "IAD"))
    assert simple["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-methods" not in simple
    preflight = names(response_headers.apply(
        policy, request("OPTIONS", ("Origin", "https://app.example"),
                        ("Access-Control-Request-Method", "POST")), answer(), "IAD"))
    assert preflight["access-control-allow-methods"] == "GET, POST"
    assert preflight["access-control-max-age"] == "600"
    other = names(response_headers.apply(
        policy, request("GET", ("Origin", "https://evil.example")), answer(), "IAD"))
    assert "access-control-allow-origin" not in other


def test_server_timing_when_enabled_and_sampled():
    """Page: Understand response headers policies
    Rule: with Server-Timing enabled, CloudFront adds the Server-Timing header to the
    sampled share of responses (SamplingRate, a percentage)."""
    always = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                  "SamplingRate": 100}})
    never = response_headers.read({"ServerTimingHeadersConfig": {"Enabled": True,
                                                                 "SamplingRate": 0}})
    assert "server-timing" in names(response_headers.apply(always, request(), answer(), "IAD"))
    assert "server-timing" not in names(response_headers.apply(never, request(), answer(), "IAD"))


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
