"""How CloudFront processes and caches HTTP 4xx and 5xx status codes from your origin."""
import dataclasses

import pytest

from edge_persist.emulator.cloudfront.cache import ttl
from edge_persist.emulator.cloudfront.policies import CachePolicy
from edge_persist.emulator.frontend.messages import HttpResponse

PAGE = "How CloudFront processes HTTP 4xx and 5xx status codes from your origin"
POLICY = CachePolicy(0, 86400, 31536000, ("none", ()), ("none", ()), ("none", ()), False)


def response(status, *headers):
    return HttpResponse(status, list(headers), b"")


@pytest.mark.parametrize("status", [404, 414, 500, 501, 502, 503, 504])
def test_these_errors_are_cached_for_the_error_caching_minimum_ttl(status):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: 404, 414, 500, 501, 502, 503 and 504 are cached for the error caching minimum TTL,
    10 seconds by default, when the origin sends no max-age."""
    assert ttl(POLICY, response(status)) == 10
    assert ttl(POLICY, response(status, ("Cache-Control", "no-store"))) == 10


@pytest.mark.parametrize("status", [400, 403, 405, 412, 415])
def test_these_errors_are_cached_only_with_max_age(status):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: 400, 403, 405, 412 and 415 are cached only when the origin sends Cache-Control
    max-age or s-maxage."""
    assert ttl(POLICY, response(status)) == 0
    assert ttl(POLICY, response(status, ("Cache-Control", "max-age=60"))) == 60
    assert ttl(POLICY, response(status, ("Cache-Control", "s-maxage=30"))) == 30


@pytest.mark.parametrize("status", [401, 402, 406, 409, 410, 416, 429, 505])
def test_other_errors_are_not_cached(status):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: no other 4xx or 5xx status is cached; CloudFront doesn't cache 416 responses."""
    assert ttl(POLICY, response(status, ("Cache-Control", "max-age=60"))) == 0


def test_the_longer_of_the_header_and_the_error_caching_minimum_ttl_wins():
    """Page: Control how long CloudFront caches errors
    Rule: with max-age, s-maxage or Expires on an error, CloudFront caches it for the greater
    of the header's value and the error caching minimum TTL."""
    assert ttl(POLICY, response(404, ("Cache-Control", "max-age=30"))) == 30
    assert ttl(POLICY, response(404, ("Cache-Control", "max-age=3"))) == 10
    assert ttl(POLICY, response(503, ("Cache-Control", "max-age=3")), error_min_ttl=60) == 60


def test_an_errors_max_age_is_capped_by_the_maximum_ttl():
    """Page: Control how long CloudFront caches errors
    Rule: max-age and s-maxage values cannot be greater than the behavior's maximum TTL."""
    short = dataclasses.replace(POLICY, max_ttl=20)
    assert ttl(short, response(404, ("Cache-Control", "max-age=300"))) == 20


def test_a_cached_404_is_served_from_the_cache(get):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: a cached error is returned from the edge cache until its error caching TTL ends."""
    first, second = get("/errors404?v=404a&status=404"), get("/errors404?v=404a&status=404")
    assert (first.status_code, second.status_code) == (404, 404)
    assert "Age" not in first.headers and "Age" in second.headers  # the second from the cache


def test_a_403_without_max_age_goes_to_the_origin_every_time(get):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: a 403 without Cache-Control max-age is not cached."""
    first, second = get("/errors403?v=403a&status=403"), get("/errors403?v=403a&status=403")
    assert (first.status_code, second.status_code) == (403, 403)
    assert "Age" not in second.headers
