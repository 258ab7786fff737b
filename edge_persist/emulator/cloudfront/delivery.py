"""What CloudFront does to an answer on its way to the viewer: byte ranges and compression.

- Ranges ("Use range GETs"): a GET with one `Range: bytes=...` on a 200 answer gets 206 with
  `Content-Range` and those bytes; a range past the end gets 416 with `Content-Range:
  bytes */LENGTH`. Several ranges at once are answered with the whole object (200), which
  RFC 9110 allows a server to do; so is a range of an answer the origin sent chunked
  ("Request and response behavior for custom origins", Transfer encoding).
- Compression ("Serve compressed files"): when the behavior compresses (Compress), the viewer
  accepts `br` (with Brotli on in the cache policy) or `gzip`, Brotli preferred, over
  HTTP/1.1, and the answer is a 200, 403 or 404 of a listed content type with a
  Content-Length between 1,000 and 10,000,000 bytes and no Content-Encoding, CloudFront
  compresses it and sets `Content-Encoding`. A strong ETag becomes weak (`W/` before it), a
  weak one stays, one that is neither is removed.
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
    if request.method != "GET" or response.status != 200 or \
            "chunked" in ",".join(response.header_values("transfer-encoding")).lower():
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
    policy = behavior.cache_policy
    if not behavior.compress or not policy.compress or request.http_version == "1.0" or \
            response.status not in COMPRESSED_STATUSES or \
            response.header_values("content-encoding") or \
            not response.header_values("content-length"):
        return response
    content_type = next(iter(response.header_values("content-type")), "").split(";")[0].strip()
    if content_type.lower() not in edge_rules.COMPRESSIBLE_TYPES:
        return response
    if not edge_rules.MIN_COMPRESS_BYTES <= len(response.body) <= edge_rules.MAX_COMPRESS_BYTES:
        return response
    accepted = ",".join(request.header_values("accept-encoding")).lower()
    encoding = "br" if "br" in accepted and policy.brotli else \
        "gzip" if "gzip" in accepted else None
    if encoding is None:
        return response
    body = brotli.compress(response.body) if encoding == "br" else gzip.compress(response.body)
    headers = []
    for name, value in response.headers:
        lowered = name.lower()
        if lowered == "content-length":
            continue
        if lowered == "etag":
            if value.startswith('"'):
                value = "W/" + value
            elif not value.startswith("W/"):
                continue
        headers.append((name, value))
    return HttpResponse(response.status, headers + [("Content-Encoding", encoding)], body)
