"""Range GETs, compression and path normalization ("Use range GETs", "Serve compressed files",
"Cache behavior settings")."""
import gzip

import brotli

from edge_persist.emulator.cloudfront import delivery
from edge_persist.emulator.cloudfront.behaviors import Behavior, choose, normalized
from edge_persist.emulator.cloudfront.policies import CachePolicy
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse

TEXT = b"0123456789" * 300  # 3,000 bytes: within the sizes CloudFront compresses


def request(*headers, method="GET"):
    return HttpRequest(method, "/x", "", list(headers))


def whole(content_type="text/html", body=TEXT):
    return HttpResponse(200, [("Content-Type", content_type)], body)


def behavior(compress=True, policy_compress=True):
    return Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET", "HEAD"),
                    cached_methods=("GET", "HEAD"),
                    cache_policy=CachePolicy(0, 60, 600, ("none", ()), ("none", ()),
                                             ("none", ()), policy_compress),
                    request_policy=None, compress=compress)


def test_a_range_get_gets_206_and_those_bytes():
    """Page: Use range GETs
    Rule: a GET with a Range header gets 206 Partial Content with the requested bytes and
    Content-Range."""
    answer = delivery.byte_range(request(("Range", "bytes=10-19")), whole())
    assert answer.status == 206 and answer.body == TEXT[10:20]
    assert ("Content-Range", f"bytes 10-19/{len(TEXT)}") in answer.headers
    assert delivery.byte_range(request(("Range", "bytes=-5")), whole()).body == TEXT[-5:]
    assert delivery.byte_range(request(("Range", "bytes=2990-")), whole()).body == TEXT[2990:]


def test_a_range_past_the_end_gets_416():
    """Page: Use range GETs
    Rule: a range that starts past the end of the object gets 416 Range Not Satisfiable."""
    answer = delivery.byte_range(request(("Range", "bytes=5000-5010")), whole())
    assert answer.status == 416 and ("Content-Range", f"bytes */{len(TEXT)}") in answer.headers


def test_compressed_with_brotli_or_gzip_when_the_viewer_accepts_it():
    """Page: Serve compressed files
    Rule: CloudFront compresses a file of a listed type between 1,000 and 10,000,000 bytes
    when the viewer accepts gzip or br, preferring Brotli, and sets Content-Encoding."""
    br = delivery.compressed(request(("Accept-Encoding", "gzip, br")), whole(), behavior())
    assert ("Content-Encoding", "br") in br.headers and brotli.decompress(br.body) == TEXT
    gz = delivery.compressed(request(("Accept-Encoding", "gzip")), whole(), behavior())
    assert ("Content-Encoding", "gzip") in gz.headers and gzip.decompress(gz.body) == TEXT


def test_not_compressed_outside_the_rules():
    """Page: Serve compressed files
    Rule: no compression when the behavior does not compress, the cache policy leaves the
    encoding out, the viewer does not accept it, the type is not listed, the file is under
    1,000 bytes, or it is already encoded."""
    accept = ("Accept-Encoding", "gzip, br")
    cases = [
        (request(accept), whole(), behavior(compress=False)),
        (request(accept), whole(), behavior(policy_compress=False)),
        (request(), whole(), behavior()),
        (request(accept), whole("image/png"), behavior()),
        (request(accept), whole(body=b"short"), behavior()),
        (request(accept), HttpResponse(200, [("Content-Type", "text/html"),
                                             ("Content-Encoding", "gzip")], TEXT), behavior()),
    ]
    for req, answer, beh in cases:
        assert delivery.compressed(req, answer, beh) is answer


def test_dot_segments_are_removed_before_the_behavior_is_chosen():
    """Page: Cache behavior settings
    Rule: CloudFront normalizes the URI path (RFC 3986 dot segments) before it matches it
    against the path patterns."""
    images = Behavior(path_pattern="/images/*", target_origin_id="i", allowed_methods=(),
                      cached_methods=(), cache_policy=None, request_policy=None)
    default = Behavior(path_pattern=None, target_origin_id="d", allowed_methods=(),
                       cached_methods=(), cache_policy=None, request_policy=None)
    assert normalized("/docs/../images/a.png") == "/images/a.png"
    assert choose([images], default, normalized("/docs/../images/a.png")) is images
    assert choose([images], default, normalized("/images/../docs/a")) is default


def test_compressed_for_200_403_and_404_only():
    """Page: Serve compressed files
    Rule: CloudFront compresses an answer only when its status code is 200, 403 or 404."""
    accept = request(("Accept-Encoding", "gzip"))
    for status in (200, 403, 404):
        answer = delivery.compressed(accept, HttpResponse(status, [("Content-Type",
                                                                    "text/html")], TEXT),
                                     behavior())
        assert answer.status == status and ("Content-Encoding", "gzip") in answer.headers
    for status in (201, 206, 500):
        original = HttpResponse(status, [("Content-Type", "text/html")], TEXT)
        assert delivery.compressed(accept, original, behavior()) is original


def test_the_etag_of_a_compressed_file_is_removed():
    """Page: Serve compressed files
    Rule: when CloudFront compresses a file, it removes the ETag header of that response."""
    tagged = HttpResponse(200, [("Content-Type", "text/html"), ("ETag", '"abc"')], TEXT)
    answer = delivery.compressed(request(("Accept-Encoding", "br")), tagged, behavior())
    assert not answer.header_values("etag")
    untouched = delivery.compressed(request(), tagged, behavior())
    assert untouched.header_values("etag") == ['"abc"']
