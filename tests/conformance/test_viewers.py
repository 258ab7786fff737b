"""What CloudFront knows of the viewer: geo restriction and the CloudFront-* request headers
("Restrict the geographic distribution of your content", "Add CloudFront request headers")."""
import re

from edge_persist.emulator.cloudfront import forwarding, viewers
from edge_persist.emulator.cloudfront.behaviors import Behavior
from edge_persist.emulator.cloudfront.origins import Origin
from edge_persist.emulator.cloudfront.policies import CachePolicy, OriginRequestPolicy
from edge_persist.emulator.frontend.messages import HttpRequest

NONE = ("none", ())
ORIGIN = Origin(id="o", kind="custom", domain="o.example")


def forwarded(request_policy, country="FR", *headers):
    behavior = Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET",),
                        cached_methods=("GET",),
                        cache_policy=CachePolicy(0, 0, 0, NONE, NONE, NONE, False),
                        request_policy=request_policy)
    request = HttpRequest("GET", "/", "", list(headers), b"", "198.51.100.4")
    return forwarding.origin_request(request, ORIGIN, behavior, "edge.example",
                                     viewers.Connection(country))["headers"]


def test_an_allow_list_lets_only_its_countries_in_and_a_block_list_keeps_its_out():
    """Page: Restrict the geographic distribution of your content
    Rule: with an allow list only viewers from its countries get the content; with a block
    list viewers from its countries get 403 (Forbidden)."""
    assert viewers.blocked(("whitelist", ("FR", "DE")), "US")
    assert not viewers.blocked(("whitelist", ("FR", "DE")), "FR")
    assert viewers.blocked(("blacklist", ("KP",)), "KP")
    assert not viewers.blocked(("blacklist", ("KP",)), "US")
    assert not viewers.blocked(None, "KP")


def test_a_blocked_viewer_gets_403(get):
    """Page: Restrict the geographic distribution of your content
    Rule: CloudFront answers a viewer from a restricted country with 403 (Forbidden)."""
    answer = get("/geo-conformance?v=geo", headers={"x-emulator-viewer-country": "IR"})
    assert answer.status_code == 403


def test_cloudfront_headers_reach_the_origin_only_when_a_policy_names_them():
    """Page: Add CloudFront request headers
    Rule: CloudFront adds CloudFront-Viewer-Country, CloudFront-Forwarded-Proto and the
    CloudFront-Is-*-Viewer headers only when the origin request policy (or cache policy)
    includes them."""
    named = OriginRequestPolicy(("whitelist", ("cloudfront-viewer-country",
                                               "cloudfront-forwarded-proto",
                                               "cloudfront-is-mobile-viewer")), NONE, NONE)
    headers = forwarded(named, "FR", ("User-Agent", "Mozilla/5.0 (iPhone) Mobile"))
    assert headers["cloudfront-viewer-country"][0]["value"] == "FR"
    assert headers["cloudfront-forwarded-proto"][0]["value"] == "http"
    assert headers["cloudfront-is-mobile-viewer"][0]["value"] == "true"
    assert "cloudfront-viewer-city" not in headers
    every_viewer = OriginRequestPolicy(("allViewer", ()), NONE, NONE)
    assert not any(name.startswith("cloudfront-") for name in forwarded(every_viewer))
    with_named = OriginRequestPolicy(("allViewerAndWhitelistCloudFront",
                                      ("cloudfront-viewer-city",)), NONE, NONE)
    assert forwarded(with_named, "FR")["cloudfront-viewer-city"][0]["value"] == "Paris"


def test_a_viewer_cannot_send_cloudfront_headers_of_its_own():
    """Page: Add CloudFront request headers
    Rule: the CloudFront-* headers are CloudFront's: a viewer's own CloudFront-Viewer-Country
    does not reach the origin in their place."""
    named = OriginRequestPolicy(("whitelist", ("cloudfront-viewer-country",)), NONE, NONE)
    headers = forwarded(named, "DE", ("CloudFront-Viewer-Country", "XX"))
    assert [e["value"] for e in headers["cloudfront-viewer-country"]] == ["DE"]


def test_every_cloudfront_header_has_a_plausible_value():
    """Page: Add CloudFront request headers
    Rule: CloudFront-Viewer-Header-Order lists the viewer's header names in order, separated
    by colons, and CloudFront-Viewer-Header-Count counts them; CloudFront-Viewer-Metro-Code
    is sent for US viewers; the JA3 and JA4 fingerprints come with HTTPS requests."""
    request = HttpRequest("GET", "/", "", [("Host", "d.example"), ("User-Agent", "ua"),
                                           ("Accept", "*/*")], b"", "198.51.100.4")
    plain = viewers.cloudfront_headers(request, viewers.Connection("US"))
    assert plain["CloudFront-Viewer-Header-Order"] == "Host:User-Agent:Accept"
    assert plain["CloudFront-Viewer-Header-Count"] == "3"
    assert plain["CloudFront-Viewer-Metro-Code"] == "511"
    assert "CloudFront-Viewer-JA3-Fingerprint" not in plain
    assert "CloudFront-Viewer-Metro-Code" not in viewers.cloudfront_headers(
        request, viewers.Connection("FR"))
    secure = viewers.cloudfront_headers(request, viewers.Connection(
        "US", "https", "1.1", ("TLSv1.3", "TLS_AES_256_GCM_SHA384")))
    assert re.fullmatch(r"[0-9a-f]{32}", secure["CloudFront-Viewer-JA3-Fingerprint"])
    assert re.fullmatch(r"t13d\d{4}h1_[0-9a-f]{12}_[0-9a-f]{12}",
                        secure["CloudFront-Viewer-JA4-Fingerprint"])
    assert secure["CloudFront-Viewer-TLS"] == "TLSv1.3:TLS_AES_256_GCM_SHA384:fullHandshake"
