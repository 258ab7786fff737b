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


def test_the_viewer_address_carries_the_source_port():
    """Page: Add CloudFront request headers
    Rule: CloudFront-Viewer-Address contains the viewer's IP address and the source port of
    the request, as in 198.51.100.10:46532."""
    request = HttpRequest("GET", "/", "", [], b"", "198.51.100.10", client_port=46532)
    assert viewers.cloudfront_headers(request, viewers.Connection())[
        "CloudFront-Viewer-Address"] == "198.51.100.10:46532"


def test_location_values_other_than_ascii_are_percent_encoded():
    """Page: Add CloudFront request headers
    Rule: for non-ASCII characters in the location headers' values, CloudFront
    percent-encodes the character (RFC 3986)."""
    headers = viewers.cloudfront_headers(HttpRequest("GET", "/", "", [], b"", "198.51.100.4"),
                                         viewers.Connection("BR"))
    assert headers["CloudFront-Viewer-City"] == "S%C3%A3o Paulo"
    assert all(value.isascii() for value in headers.values())


def test_the_header_order_is_cut_at_7680_characters():
    """Page: Add CloudFront request headers
    Rule: CloudFront-Viewer-Header-Order lists the viewer's header names separated by colons;
    headers beyond the character limit of 7,680 are truncated."""
    names = [(f"X-Header-{i:05d}", "v") for i in range(1000)]
    headers = viewers.cloudfront_headers(HttpRequest("GET", "/", "", names, b"", "198.51.100.4"),
                                         viewers.Connection())
    assert len(headers["CloudFront-Viewer-Header-Order"]) == viewers.HEADER_ORDER_MAX_CHARS
    assert headers["CloudFront-Viewer-Header-Count"] == "1000"


def test_a_cache_policy_cannot_name_the_origin_request_only_headers():
    """Page: Add CloudFront request headers
    Rule: CloudFront-Viewer-Address, CloudFront-Viewer-ASN, CloudFront-Viewer-JA3-Fingerprint
    and CloudFront-Viewer-TLS can be added in an origin request policy, but not in a cache
    policy: the emulator refuses such a template at start, as CloudFront refuses the
    policy."""
    import pytest
    from edge_persist.emulator.cloudfront.policies import read_cache_policy
    from edge_persist.errors import UsageError
    for name in sorted(viewers.NOT_IN_CACHE_KEY):
        resources = {"P": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {
            "CachePolicyConfig": {"Name": "p", "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 1,
                                  "ParametersInCacheKeyAndForwardedToOrigin": {
                                      "HeadersConfig": {"HeaderBehavior": "whitelist",
                                                        "Headers": [name]}}}}}}
        with pytest.raises(UsageError, match="not in a cache policy"):
            read_cache_policy({"Ref": "P"}, {}, resources)


def _device(get, agent, country="US"):
    return get("/device/page?v=1&cc=max-age%3D600", headers={"User-Agent": agent,
                                            viewers.COUNTRY_HEADER: country})


def test_the_cloudfront_headers_a_cache_policy_names_are_in_the_cache_key(get):
    """Page: Cache content based on request headers
    Rule: with CloudFront-Is-*-Viewer or CloudFront-Viewer-Country in the cache key, CloudFront
    caches a separate answer for each device type or country: a desktop viewer is not served
    the answer cached for a phone, nor a US viewer the one cached for Germany."""
    phone, desktop = "Mozilla/5.0 (iPhone) Mobile", "Mozilla/5.0 (X11; Linux x86_64)"
    first = _device(get, phone)
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert first.json()["headers"]["cloudfront-is-mobile-viewer"] == "true"
    assert _device(get, phone + " again").headers["X-Cache"] == "Hit from cloudfront"
    other = _device(get, desktop)
    assert other.headers["X-Cache"] == "Miss from cloudfront"
    assert other.json()["headers"]["cloudfront-is-desktop-viewer"] == "true"
    german = _device(get, phone, "DE")
    assert german.headers["X-Cache"] == "Miss from cloudfront"
    assert german.json()["headers"]["cloudfront-viewer-country"] == "DE"
    spoofed = get("/device/page?v=1&cc=max-age%3D600", headers={"User-Agent": phone,
                                               "CloudFront-Viewer-Country": "DE"})
    assert spoofed.headers["X-Cache"] == "Hit from cloudfront"
    assert spoofed.json()["headers"]["cloudfront-viewer-country"] == "US"
