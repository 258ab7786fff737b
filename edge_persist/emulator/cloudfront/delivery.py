"""What CloudFront does to an answer on its way to the viewer: byte ranges and compression.

- Ranges ("Use range GETs"): a GET with one `Range: bytes=...` on a 200 answer gets 206 with
  `Content-Range` and those bytes; a range past the end gets 416 with `Content-Range:
  bytes */LENGTH`. Several ranges at once are answered with the whole object (200), which
  RFC 9110 allows a server to do.
- Compression ("Serve compressed files"): when the behavior compresses (Compress), the viewer
  accepts `br` or `gzip` (Brotli preferred), the cache policy puts that encoding in the key,
  the answer is a 200, 403 or 404 of a listed content type between 1,000 and 10,000,000
  bytes and not already encoded, CloudFront compresses it and sets `Content-Encoding`; it
  removes the ETag of what it compresses (the compressed bytes are another representation).
"""
import gzip
import re

import brotli

from edge_persist import edge_rules
from edge_persist.emulator.frontend.messages import HttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
COMPRESSED_STATUSES = frozenset({200, 403, 404})


def byte_range(request, response):
    """The answer to a Range request, or `response` when there is none to apply."""
    if request.method != "GET" or response.status != 200:
        return response
    wanted = request.header_values("range")
    if len(wanted) != 1:
        return response
    match = RANGE.match(wanted[0].strip())
    if not match or not any(match.groups()):
        return response  # several ranges, or not bytes: the whole object
    size = len(response.body)
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    headers = [(k, v) for k, v in response.headers
               if k.lower() not in ("content-length", "content-range")]
    if start >= size or start > end:
        return HttpResponse(416, headers + [("Content-Range", f"bytes */{size}")], b"")
    return HttpResponse(206, headers + [("Content-Range", f"bytes {start}-{end}/{size}")],
                        response.body[start:end + 1])


def compressed(request, response, behavior):
    """The answer compressed for this viewer, or `response` when CloudFront would not."""
    if not behavior.compress or not behavior.cache_policy.compress or \
            response.status not in COMPRESSED_STATUSES:
        return response
    if response.header_values("content-encoding"):
        return response
    content_type = next(iter(response.header_values("content-type")), "").split(";")[0].strip()
    if content_type.lower() not in edge_rules.COMPRESSIBLE_TYPES:
        return response
    if not edge_rules.MIN_COMPRESS_BYTES <= len(response.body) <= edge_rules.MAX_COMPRESS_BYTES:
        return response
    accepted = ",".join(request.header_values("accept-encoding")).lower()
    encoding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
    if encoding is None:
        return response
    body = brotli.compress(response.body) if encoding == "br" else gzip.compress(response.body)
    headers = [(k, v) for k, v in response.headers if k.lower() not in ("content-length", "etag")]
    return HttpResponse(response.status, headers + [("Content-Encoding", encoding)], body)
