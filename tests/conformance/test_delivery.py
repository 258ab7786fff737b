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


def whole(content_type="text/html", body=TEXT, status=200, *more):
    return HttpResponse(status, [("Content-Type", content_type),
                                 ("Content-Length", str(len(body))), *more], body)


def behavior(compress=True, policy_compress=True, brotli=True):
    return Behavior(path_pattern=None, target_origin_id="o", allowed_methods=("GET", "HEAD"),
                    cached_methods=("GET", "HEAD"),
                    cache_policy=CachePolicy(0, 60, 600, ("none", ()), ("none", ()),
                                             ("none", ()), policy_compress, brotli),
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
        answer = delivery.compressed(accept, whole("text/html", TEXT, status), behavior())
        assert answer.status == status and ("Content-Encoding", "gzip") in answer.headers
    for status in (201, 206, 500):
        original = whole("text/html", TEXT, status)
        assert delivery.compressed(accept, original, behavior()) is original


def test_a_strong_etag_becomes_weak_and_an_invalid_one_is_removed():
    """Page: Serve compressed files
    Rule: when CloudFront compresses an object whose origin ETag is strong (it begins with a
    double quote), it adds W/ before it; a weak ETag (W/...) is returned as received; an
    invalid one (neither) is removed."""
    def etag_after(value):
        answer = delivery.compressed(request(("Accept-Encoding", "br")),
                                     whole("text/html", TEXT, 200, ("ETag", value)), behavior())
        return answer.header_values("etag")
    assert etag_after('"abc"') == ['W/"abc"']
    assert etag_after('W/"abc"') == ['W/"abc"']
    assert etag_after("abc") == []
    tagged = whole("text/html", TEXT, 200, ("ETag", '"abc"'))
    assert delivery.compressed(request(), tagged, behavior()).header_values("etag") == ['"abc"']


def test_brotli_only_with_the_cache_policys_brotli_setting():
    """Page: Serve compressed files
    Rule: CloudFront compresses with Brotli only when the cache policy enables Brotli
    (EnableAcceptEncodingBrotli); with compression on alone, it uses Gzip."""
    accept = request(("Accept-Encoding", "br, gzip"))
    answer = delivery.compressed(accept, whole(), behavior(brotli=False))
    assert ("Content-Encoding", "gzip") in answer.headers


def test_no_compression_without_content_length_or_over_http_1_0():
    """Page: Serve compressed files
    Rule: the origin's response must include Content-Length, or CloudFront does not compress
    it; a request over HTTP 1.0 has its Accept-Encoding removed and gets uncompressed
    content."""
    accept = ("Accept-Encoding", "gzip, br")
    no_length = HttpResponse(200, [("Content-Type", "text/html")], TEXT)
    assert delivery.compressed(request(accept), no_length, behavior()) is no_length
    old = HttpRequest("GET", "/x", "", [accept], http_version="1.0")
    assert delivery.compressed(old, whole(), behavior()).header_values("content-encoding") == []
    from edge_persist.emulator.cloudfront.cache import normalized_accept_encoding
    assert normalized_accept_encoding(old) == ""


def test_a_range_of_a_chunked_answer_is_the_whole_object():
    """Page: Request and response behavior for custom origins
    Rule: if the viewer makes a Range GET request and the origin returns Transfer-Encoding:
    chunked, CloudFront returns the entire object to the viewer instead of the range."""
    chunked = HttpResponse(200, [("Content-Type", "text/plain"),
                                 ("Transfer-Encoding", "chunked")], TEXT)
    assert delivery.byte_range(request(("Range", "bytes=0-9")), chunked) is chunked
