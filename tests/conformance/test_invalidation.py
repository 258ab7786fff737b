"""Invalidations ("Invalidate files"): which cached objects a path removes."""
import pytest

from edge_persist.emulator.cloudfront.cache import (RegionalCaches, cache_key,
                                                   invalidation_problem)
from edge_persist.emulator.cloudfront.policies import CachePolicy
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse

BY_QUERY_AND_COOKIE = CachePolicy(0, 60, 600, ("none", ()), ("all", ()), ("all", ()), False)


def cached(*urls_and_cookies):
    caches = RegionalCaches()
    for url, cookie in urls_and_cookies:
        path, _, query = url.partition("?")
        request = HttpRequest("GET", path, query, [("Cookie", cookie)] if cookie else [])
        caches.put("us-east-1", cache_key(BY_QUERY_AND_COOKIE, request, ("GET",)),
                   HttpResponse(200, [], b"x"), 60)
    return caches


def test_query_strings_are_part_of_what_an_invalidation_path_names():
    """Page: Invalidate files
    Rule: where query strings are forwarded, the invalidation path includes the query
    string (/images/image.jpg?parameter1=a); a path ending in * (/images/image.jpg*) removes
    every version, whatever its query string."""
    caches = cached(("/images/image.jpg?parameter1=a", ""),
                    ("/images/image.jpg?parameter1=b", ""), ("/images/image.jpg", ""))
    assert caches.invalidate(["/images/image.jpg?parameter1=a"]) == 1
    assert caches.invalidate(["/images/image.jpg"]) == 1
    assert caches.invalidate(["/images/image.jpg*"]) == 1


def test_every_version_goes_whatever_its_cookies_and_paths_are_case_sensitive():
    """Page: Invalidate files
    Rule: invalidating a file removes every cached version of it, whatever cookies or headers
    are in its key; invalidation paths are case sensitive."""
    caches = cached(("/a.html", "id=1"), ("/a.html", "id=2"), ("/A.html", ""))
    assert caches.invalidate(["/a.html"]) == 2
    assert caches.invalidate(["/*"]) == 1


@pytest.mark.parametrize("path, ok", [
    ("/images/*", True), ("/images/image*", True), ("/*", True), ("images/a.jpg", False),
    ("/images/*/a.jpg", False), ("/" + "a" * 4000, False),
])
def test_an_invalidation_path_begins_with_a_slash_and_ends_any_wildcard(path, ok):
    """Page: Invalidate files
    Rule: through the API an invalidation path must begin with /; the * wildcard may only be
    the last character; a path is at most 4,000 characters."""
    assert (invalidation_problem(path) is None) == ok
