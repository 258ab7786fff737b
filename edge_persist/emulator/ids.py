"""The ids a request gets: CloudFront's (X-Amz-Cf-Id, the events' requestId) and Lambda's
(a UUID per invocation, its awsRequestId).

Unique, not secret: they come from one `random.Random` seeded by the system, not from
os.urandom per id. os.urandom is a system call that releases the interpreter lock, and on the
path every request takes each release hands the lock to another server thread: cProfile put
the two urandom calls per request at about 6% of the emulator's wall time under load.
"""
import base64
import random

_draw = random.Random()  # seeded from os.urandom once; its methods hold the lock


def cloudfront_request_id():
    """56 URL-safe base64 characters, as CloudFront's X-Amz-Cf-Id."""
    return base64.urlsafe_b64encode(_draw.randbytes(42)).decode()


def lambda_request_id():
    """A version 4 UUID, as Lambda's awsRequestId: its version and variant bits set, in
    uuid's own layout (formatted here: uuid.UUID costs more than the rest of an id)."""
    digits = "%032x" % (_draw.getrandbits(128) & _UUID_MASK | _UUID_V4)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


# Version 4 (bits 76-79 = 0100) and the RFC 4122 variant (bits 62-63 = 10).
_UUID_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_V4 = (0x4 << 76) | (0x2 << 62)
