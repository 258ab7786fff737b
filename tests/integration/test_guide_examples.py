"""Functions written after the guide's own examples (apps/examples_app.py), each sent the
requests its example's text describes, each checked for what the example promises. Sources:
CloudFront Developer Guide, "Lambda@Edge example functions" (Node.js and Python), and AWS's
CloudFront Functions samples (aws-samples/amazon-cloudfront-functions) and "CloudFront
Functions examples" page."""
import base64
import gzip
import hashlib
import hmac
import json
import time
from urllib.parse import quote

import boto3
import pytest
import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.cloudfront.viewers import COUNTRY_HEADER
from edge_persist.emulator.server import Emulator
from tests.conftest import synthesized
from tests.integration.apps import examples_app
from tests.integration.fixed_origin import FixedOrigin

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture(scope="module")
def origins():
    """One recording custom origin per domain the functions may send a request to."""
    served = {domain: FixedOrigin(200, domain.encode()) for domain in examples_app.ORIGIN_DOMAINS}
    yield served
    for origin in served.values():
        origin.stop()


@pytest.fixture(scope="module")
def emu(tmp_path_factory, moto_url, origins):
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=examples_app.BUCKET)
    s3.put_object(Bucket=examples_app.BUCKET, Key="switch/page", Body=b"from the bucket")
    assembly = synthesized(tmp_path_factory, "examples.out", examples_app.build)
    emulator = Emulator(assembly, moto_url, ["us-east-1"],
                        origins={domain: o.url for domain, o in origins.items()}).start()
    yield emulator
    emulator.stop()


def get(emu, path, country="US", **headers):
    return requests.get(emu.url + path, timeout=30, allow_redirects=False,
                        headers={REGION_HEADER: "us-east-1", COUNTRY_HEADER: country, **headers})


def echoed(response):
    assert response.status_code == 200, response.text
    return response.json()


# --- Lambda@Edge, Node.js -----------------------------------------------------------------

def test_ab_testing_rewrites_the_uri_by_cookie(emu):
    """Example: A/B testing. A request for the experiment's pixel goes to the version its
    cookie names, or to one picked at random; other requests are left alone."""
    assert echoed(get(emu, "/ab/pixel", Cookie="Group=B"))["path"] == "/ab/group-b/pixel"
    assert echoed(get(emu, "/ab/pixel", Cookie="a=1; Group=A"))["path"] == "/ab/group-a/pixel"
    assert echoed(get(emu, "/ab/pixel"))["path"] in ("/ab/group-a/pixel", "/ab/group-b/pixel")
    assert echoed(get(emu, "/ab/other"))["path"] == "/ab/other"


def test_overriding_a_response_header_with_another_ones_value(emu):
    """Example: Overriding a response header. The response's Last-Modified takes the value
    of X-Amz-Meta-Last-Modified."""
    stamp = "Mon, 07 Dec 2026 04:00:00 GMT"
    answer = get(emu, "/copy/x?h-X-Amz-Meta-Last-Modified=" + quote(stamp))
    assert answer.headers["Last-Modified"] == stamp


def test_generated_responses_page_gzip_and_redirect(emu):
    """Examples: Serving static content, Serving gzip compressed content, Generating an HTTP
    redirect (generated responses). The viewer gets the function's page, its base64 gzip body
    decoded to bytes, and its 302 with Location; none reaches the origin."""
    page = get(emu, "/gen/page")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "max-age=100"
    assert page.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    assert b"Hello from the edge" in page.content
    zipped = requests.get(emu.url + "/gen/gzip", timeout=30, stream=True,
                          headers={REGION_HEADER: "us-east-1"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert b"Hello from the edge" in gzip.decompress(zipped.raw.read())
    moved = get(emu, "/gen/redirect")
    assert (moved.status_code, moved.headers["Location"]) == (302, "https://docs.example.com/edge")


def test_a_query_string_parameter_becomes_a_header_and_the_rest_is_normalized(emu):
    """Examples: Adding a header based on a query string parameter, Normalizing query string
    parameters. `auth` leaves the query string for the Auth-Header header; the rest reaches
    the origin lowercased and in alphabetical order."""
    seen = echoed(get(emu, "/query/x?Zeta=1&auth=Secret&Alpha=2"))
    assert seen["headers"]["auth-header"] == "secret"
    assert seen["query"] == "alpha=2&zeta=1"


def test_an_unauthenticated_viewer_is_sent_to_sign_in(emu):
    """Example: Redirecting unauthenticated users to a sign-in page. Without a session-id
    cookie the viewer gets 302 to the sign-in page carrying the original URL; with one the
    request goes on (the function then calls back a second time: Lambda keeps the first)."""
    moved = get(emu, "/signin/account?tab=1", Host="shop.example.test")
    assert moved.status_code == 302
    assert moved.headers["Location"] == "https://login.example.com/signin?redirect_url=" + \
        quote("https://shop.example.test/signin/account?tab=1", safe="")
    assert echoed(get(emu, "/signin/account", Cookie="session-id=42"))["path"] == \
        "/signin/account"


def test_country_and_device_headers_steer_an_origin_request_function(emu):
    """Examples: Redirecting viewer requests to a country-specific URL, Serving different
    versions of an object based on the device. With the CloudFront-Viewer-Country and
    CloudFront-Is-*-Viewer headers in the cache key, an origin-request function redirects
    viewers from TW and the US, and sends others to the path of their device type."""
    assert get(emu, "/viewer/p", "TW").headers["Location"] == "https://tw.example.com/"
    assert get(emu, "/viewer/p", "US").headers["Location"] == "https://us.example.com/"
    assert echoed(get(emu, "/viewer/p", "DE", **{"User-Agent": PHONE}))["path"] == \
        "/viewer/mobile/viewer/p"
    assert echoed(get(emu, "/viewer/p", "DE", **{"User-Agent": DESKTOP}))["path"] == \
        "/viewer/desktop/viewer/p"


def test_an_origin_request_function_changes_the_origin(emu, origins):
    """Examples: Using an origin-request trigger to change from a custom origin to an Amazon
    S3 origin, from an S3 origin to a custom origin, and the origin domain name based on the
    country header. The request goes to the origin the function names."""
    assert get(emu, "/switch/page?to=s3", "FR").content == b"from the bucket"
    assert get(emu, "/switch/page?to=custom", "FR").content == b"www.example.com"
    assert origins["www.example.com"].seen[-1]["Host"] == "www.example.com"
    assert get(emu, "/switch/page", "DE").content == b"eu.example.com"
    assert get(emu, "/switch/page", "FR").content == b"origin.example.com"


def test_an_origin_error_becomes_a_200_or_a_redirect(emu):
    """Examples: Using an origin-response trigger to update the error status code to 200-OK,
    and to 302-Found. A 4xx or 5xx from the origin reaches the viewer as a 200 with the
    function's body, or as a 302 to the fallback path with the query string."""
    fixed = get(emu, "/errors/x?status=404")
    assert (fixed.status_code, fixed.text) == (200, "Body generation example")
    moved = get(emu, "/errors/fallback?status=503&k=v")
    assert moved.status_code == 302
    assert moved.headers["Location"] == "/plan-b/path?status=503&k=v"


# --- Lambda@Edge, Python ------------------------------------------------------------------

def test_the_python_examples(emu):
    """Examples (Python): a generated page and redirect, a query string parameter moved to a
    header, and an origin error turned into a 200."""
    page = get(emu, "/py/gen/page")
    assert page.status_code == 200 and page.text == "<p>from Python</p>"
    assert get(emu, "/py/gen/redirect").headers["Location"] == "https://docs.example.com/py"
    seen = echoed(get(emu, "/py/query/x?b=2&auth=token&a=1"))
    assert seen["headers"]["auth-header"] == "token" and seen["query"] == "a=1&b=2"
    fixed = get(emu, "/py/errors/x?status=500")
    assert (fixed.status_code, fixed.text) == (200, "Body generation example")


# --- CloudFront Functions -----------------------------------------------------------------

def test_response_headers_added_by_a_viewer_response_function(emu):
    """Samples: add-cache-control-header, add-cors-header, add-security-headers. The viewer
    gets the function's Cache-Control and security headers, and Access-Control-Allow-Origin
    naming its own Origin when the origin sent none."""
    answer = get(emu, "/cf/headers/x", Origin="https://app.example.test")
    assert answer.headers["Cache-Control"] == "public, max-age=63072000"
    assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.test"
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_request_rewrites_of_a_viewer_request_function(emu):
    """Samples: add-true-client-ip-header, enforce-domain-redirect (with
    redirect_maintain_uri_querystring's query string), url-rewrite-static-websites,
    url-rewrite-single-page-apps. The origin gets True-Client-IP with the viewer's address,
    index.html for a folder and the app's page for an extensionless path; a request to
    another host is redirected to the canonical one with its query string."""
    folder = echoed(get(emu, "/cf/docs/"))
    assert folder["path"] == "/cf/docs/index.html"
    assert folder["headers"]["true-client-ip"] == "127.0.0.1"
    assert echoed(get(emu, "/cf/app/route"))["path"] == "/cf/index.html"
    assert echoed(get(emu, "/cf/app/main.js"))["path"] == "/cf/app/main.js"
    moved = get(emu, "/cf/canonical/a?x=1&x=2&flag")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "https://www.example.test/cf/canonical/a?x=1,2&flag"


def _token(claims, key=b"edge-test-secret"):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def test_a_token_checked_with_crypto_and_buffer_in_runtime_1_0(emu):
    """Sample: verify-jwt. A request whose token is missing, altered or expired gets 401; one
    with a good token reaches the origin without it."""
    good = _token({"sub": "viewer", "exp": int(time.time()) + 600})
    passed = echoed(get(emu, f"/token/x?jwt={good}&keep=1"))
    assert passed["query"] == "keep=1"
    assert get(emu, "/token/x").status_code == 401
    assert get(emu, f"/token/x?jwt={good[:-2]}xx").status_code == 401
    expired = _token({"sub": "viewer", "exp": int(time.time()) - 5})
    assert get(emu, f"/token/x?jwt={expired}").status_code == 401


def test_a_query_string_given_back_as_text(emu):
    """Sample: normalize-query-string-parameters. The query string, sorted by the function and
    returned as text, is what the origin gets."""
    assert echoed(get(emu, "/norm/x?b=2&a=1&c=3&a=0"))["query"] == "a=0&a=1&b=2&c=3"


def test_a_function_redirects_or_changes_the_origin_by_country(emu, origins):
    """Samples: redirect-based-on-country, select-origin-based-on-country. With
    CloudFront-Viewer-Country named in the origin request policy, the function redirects
    German viewers and sends French ones to another origin (cf.updateRequestOrigin)."""
    assert get(emu, "/country/x", "DE").headers["Location"] == "https://www.example.de/"
    assert get(emu, "/country/x", "FR").content == b"fr.example.com"
    assert get(emu, "/country/x", "US").content == b"origin.example.com"
