"""The viewer protocol policy, over the emulator's plain HTTP and its HTTPS on the same port."""
import http.client
import json
import ssl

import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER


def plain(emu, path, method="GET", **kwargs):
    return requests.request(method, emu.url + path, headers={REGION_HEADER: "us-east-1"},
                            allow_redirects=False, timeout=30, **kwargs)


def secure(emu, path, method="GET", **kwargs):
    return requests.request(method, emu.url.replace("http://", "https://") + path,
                            headers={REGION_HEADER: "us-east-1"}, timeout=30,
                            verify=emu.certificate, **kwargs)


def test_redirect_to_https_answers_get_and_head_with_301_and_the_https_url(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: with Redirect HTTP to HTTPS, an HTTP GET or HEAD request gets 301 (Moved
    Permanently) with the HTTPS URL; the viewer resubmits the request to it."""
    for method in ("GET", "HEAD"):
        answer = plain(emu, "/redirect/a?x=1&y=2", method)
        assert answer.status_code == 301
        assert answer.headers["Location"] == \
            f"https://{emu.domain}/redirect/a?x=1&y=2"
        assert answer.headers["X-Cache"] == "Redirect from cloudfront"
    followed = secure(emu, "/redirect/a?x=1")
    assert followed.status_code == 200
    assert json.loads(followed.text)["path"] == "/redirect/a"


def test_other_methods_get_307_so_they_are_sent_again_with_their_body(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: POST, PUT, DELETE, OPTIONS or PATCH over HTTP/1.1 to a Redirect HTTP to HTTPS
    behavior get 307 (Temporary Redirect), so the same method and body go to the new URL."""
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        answer = plain(emu, "/redirect/form", method, data=b"a=1")
        assert answer.status_code == 307, method
        assert answer.headers["Location"] == f"https://{emu.domain}/redirect/form"


def test_other_methods_over_http_1_0_get_403(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: POST, PUT, DELETE, OPTIONS or PATCH over a protocol version below HTTP/1.1 to a
    Redirect HTTP to HTTPS behavior get 403 (Forbidden)."""
    connection = http.client.HTTPConnection(emu.domain, timeout=30)
    connection._http_vsn_str = "HTTP/1.0"  # http.client's own switch for the request line
    connection.request("POST", "/redirect/form", body=b"a=1", headers={REGION_HEADER: "us-east-1"})
    assert connection.getresponse().status == 403
    connection.close()


def test_https_only_answers_http_with_403_and_serves_https(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: with HTTPS Only, a viewer that sends an HTTP request gets 403 (Forbidden); over
    HTTPS it gets the object."""
    assert plain(emu, "/https-only/x").status_code == 403
    assert secure(emu, "/https-only/x").status_code == 200


def test_allow_all_serves_both_protocols(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: with HTTP and HTTPS (allow-all), viewers can use either protocol."""
    assert plain(emu, "/?v=allow-all").status_code == 200
    assert secure(emu, "/?v=allow-all").status_code == 200


def test_the_origin_learns_the_viewers_protocol_from_cloudfront_headers(emu):
    """Page: Add CloudFront request headers
    Rule: CloudFront-Forwarded-Proto is the protocol of the viewer's request (HTTP or HTTPS);
    CloudFront-Viewer-TLS carries the TLS version and cipher of an HTTPS connection;
    CloudFront-Viewer-Http-Version is the viewer's HTTP version."""
    headers = json.loads(secure(emu, "/https-only/proto").text)["headers"]
    assert headers["cloudfront-forwarded-proto"] == "https"
    version, cipher, handshake = headers["cloudfront-viewer-tls"].split(":")
    assert version.startswith("TLSv1.") and cipher and handshake == "fullHandshake"
    assert headers["cloudfront-viewer-http-version"] == "1.1"
    context = ssl.create_default_context(cafile=emu.certificate)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    connection = http.client.HTTPSConnection(emu.domain, timeout=30, context=context)
    connection.request("GET", "/https-only/proto", headers={REGION_HEADER: "us-east-1"})
    headers = json.loads(connection.getresponse().read())["headers"]
    assert headers["cloudfront-viewer-tls"].startswith("TLSv1.2:")
    connection.close()


def test_a_failed_handshake_ends_only_its_connection(emu):
    """Page: Require HTTPS for communication between viewers and CloudFront
    Rule: the distribution keeps serving when a viewer's TLS handshake fails (a client that
    does not trust the certificate)."""
    try:
        requests.get(emu.url.replace("http://", "https://") + "/", timeout=10,
                     verify=requests.certs.where())
    except requests.exceptions.SSLError:
        pass
    assert plain(emu, "/?v=after-bad-handshake").status_code == 200
