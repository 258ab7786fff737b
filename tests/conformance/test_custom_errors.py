"""Custom error responses ("Generate custom error responses", "Control how long CloudFront
caches errors"), on a single-page app."""
import pytest
import requests

from edge_persist.emulator.server import Emulator
from tests.conformance import spa_app


@pytest.fixture(scope="module")
def spa(tmp_path_factory, moto_url):
    outdir = tmp_path_factory.mktemp("spa.out")
    spa_app.build(outdir).synth()
    with Emulator(outdir, moto_url) as emulator:
        yield emulator


def test_an_error_is_answered_with_the_custom_page_and_response_code(spa):
    """Page: Generate custom error responses
    Rule: for an error status with a ResponsePagePath, CloudFront returns that object to the
    viewer with the ResponseCode instead of the origin's error."""
    answer = requests.get(spa.url + "/some/client/route", timeout=30)
    assert answer.status_code == 200 and answer.text == "<html>app shell</html>\n"
    assert answer.headers["X-Cache"] == "Error from cloudfront"


def test_a_page_for_a_code_the_template_names_only(spa):
    """Page: Generate custom error responses
    Rule: an error status without a custom error response reaches the viewer as it was."""
    assert requests.get(spa.url + "/index.html", timeout=30).status_code == 200


def test_error_caching_min_ttl_sets_how_long_an_error_is_cached(spa):
    """Page: Control how long CloudFront caches errors
    Rule: ErrorCachingMinTTL replaces the 10-second default for that status code."""
    tier = next(iter(spa.tiers.values()))
    from edge_persist.emulator.frontend.messages import HttpResponse
    behavior = tier.distribution.default_behavior
    assert tier._ttl(behavior, HttpResponse(404, [], b"")) == 30
    assert tier._ttl(behavior, HttpResponse(500, [], b"")) == 10


def test_a_geo_blocked_viewer_gets_the_custom_page_for_403(spa):
    """Page: Restrict the geographic distribution of your content
    Rule: a viewer from a blocked country gets 403, or the custom error page configured for
    403 (here /index.html, with the 200 that custom error response sets)."""
    answer = requests.get(spa.url + "/index.html", timeout=30,
                          headers={"x-emulator-viewer-country": "KP"})
    assert answer.status_code == 200 and answer.text == "<html>app shell</html>\n"
    assert answer.headers["X-Cache"] == "Error from cloudfront"
