"""S3 website endpoints as custom origins (Amazon S3 User Guide, "Hosting a static website
using Amazon S3"; CloudFront Developer Guide, "Use an Amazon S3 bucket that's configured as a
website endpoint")."""
import pytest
import requests

from edge_persist.emulator.server import Emulator
from tests.conftest import synthesized
from tests.conformance import website_app


@pytest.fixture(scope="module")
def site(tmp_path_factory, moto_url):
    outdir = synthesized(tmp_path_factory, "website.out", website_app.build)
    with Emulator(outdir, moto_url) as emulator:
        yield emulator


def get(site, path, **kwargs):
    return requests.get(site.url + path, allow_redirects=False, timeout=30, **kwargs)


def test_the_index_document_answers_for_the_root_and_for_folders(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: a request for the root or for a folder (a path ending in /) gets the website's
    index document, where the REST endpoint would answer otherwise."""
    assert get(site, "/").text == "<h1>home</h1>\n"
    assert get(site, "/docs/").text == "<h1>docs home</h1>\n"
    assert get(site, "/page.html").text == "<h1>page</h1>\n"


def test_a_folder_without_its_slash_is_redirected_to_it(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: a request for a folder without the trailing slash gets 302 to the path with it."""
    answer = get(site, "/docs")
    assert answer.status_code == 302 and answer.headers["Location"] == "/docs/"


def test_a_missing_object_gets_the_error_document_with_404(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: a missing object is answered with the website's error document and status 404,
    as HTML, not S3's XML error."""
    answer = get(site, "/nothing-here.html")
    assert answer.status_code == 404
    assert answer.text == "<h1>custom not found</h1>\n"


def test_a_bucket_without_public_read_answers_403(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: the website endpoint serves only objects anyone may read: without a bucket policy
    granting public read, every request gets 403 Forbidden."""
    answer = get(site, "/private/index.html")
    assert answer.status_code == 403
    assert "AccessDenied" in answer.text and answer.headers["Content-Type"].startswith(
        "text/html")


def test_redirects_all_requests_and_routing_rules(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: a website that redirects all requests answers 301 to the other host; a routing
    rule on a key prefix redirects to the replaced key."""
    moved = get(site, "/moved/a.html")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "https://example.com/moved/a.html"
    routed = get(site, "/old/index.html")
    assert routed.status_code == 301
    assert routed.headers["Location"].endswith("/docs/index.html")


def test_only_get_and_head_reach_a_website(site):
    """Page: Use an Amazon S3 bucket that's configured as a website endpoint
    Rule: a website endpoint supports only GET and HEAD requests on objects."""
    assert requests.head(site.url + "/page.html", timeout=30).status_code == 200
