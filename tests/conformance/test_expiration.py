"""Manage how long content stays in the cache (expiration)."""
from edge_persist.emulator.cloudfront.cache import ttl
from edge_persist.emulator.cloudfront.policies import CachePolicy
from edge_persist.emulator.frontend.messages import HttpResponse

POLICY = CachePolicy(0, 86400, 31536000, ("none", ()), ("none", ()), ("none", ()), False)


def test_a_redirect_with_max_age_is_cached():
    """Page: Manage how long content stays in the cache (expiration)
    Rule: a 302, 303 or 307 with Cache-Control max-age is cached for that long; without it,
    not at all."""
    for status in (302, 303, 307):
        assert ttl(POLICY, HttpResponse(status, [("Cache-Control", "max-age=120")])) == 120
        assert ttl(POLICY, HttpResponse(status, [])) == 0


def test_vary_star_is_never_cached():
    """Page: Cache content based on request headers
    Rule: a response with Vary: * matches no later request: CloudFront does not cache it."""
    assert ttl(POLICY, HttpResponse(200, [("Vary", "*"),
                                          ("Cache-Control", "max-age=60")])) == 0


def test_no_store_with_a_zero_minimum_ttl_is_not_cached_and_a_minimum_overrides_it():
    """Page: Manage how long content stays in the cache (expiration)
    Rule: no-cache, no-store and private are honoured when the minimum TTL is 0; with a
    minimum above 0 CloudFront caches for the minimum."""
    no_store = HttpResponse(200, [("Cache-Control", "no-store")])
    assert ttl(POLICY, no_store) == 0
    floor = CachePolicy(30, 86400, 31536000, ("none", ()), ("none", ()), ("none", ()), False)
    assert ttl(floor, no_store) == 30


def test_max_age_is_clamped_between_the_minimum_and_maximum_ttls():
    """Page: Manage how long content stays in the cache (expiration)
    Rule: the origin's max-age is raised to the minimum TTL and lowered to the maximum TTL."""
    policy = CachePolicy(60, 86400, 600, ("none", ()), ("none", ()), ("none", ()), False)
    assert ttl(policy, HttpResponse(200, [("Cache-Control", "max-age=5")])) == 60
    assert ttl(policy, HttpResponse(200, [("Cache-Control", "max-age=5000")])) == 600
    assert ttl(policy, HttpResponse(200, [])) == 86400  # no header: the default TTL


def test_no_cache_naming_set_cookie_caches_the_object_and_not_its_cookies():
    """Page: Cache content based on cookies
    Rule: an origin that adds no-cache="Set-Cookie" has CloudFront stop caching its cookies
    and cookie attributes; the object itself is still cached."""
    from edge_persist.emulator.cloudfront.cache import stored
    answer = HttpResponse(200, [("Cache-Control", 'max-age=60, no-cache="Set-Cookie"'),
                                ("Set-Cookie", "id=1")], b"x")
    assert ttl(POLICY, answer) == 60
    assert stored(answer, {"id"}).header_values("set-cookie") == []
    assert ttl(POLICY, HttpResponse(200, [("Cache-Control", "max-age=60, no-cache")])) == 0


def test_only_the_cookies_the_request_forwarded_are_cached_with_the_object():
    """Page: Cache content based on cookies
    Rule: CloudFront caches the response with the cookies of the viewer request it forwarded;
    cookies the origin returns that were not in the request, or not on the allow list, are
    not cached (the viewer of the miss still gets them)."""
    from edge_persist.emulator.cloudfront.cache import stored
    answer = HttpResponse(200, [("Set-Cookie", "theme=dark"), ("Set-Cookie", "new=1")], b"x")
    assert stored(answer, {"theme"}).header_values("set-cookie") == ["theme=dark"]
