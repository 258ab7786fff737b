"""The ids a request gets: CloudFront's (X-Amz-Cf-Id, the events' requestId) and Lambda's
(a UUID per invocation, its awsRequestId).

Unique, not secret: they come from one `random.Random` seeded by the system, not from
os.urandom per id. os.urandom is a system call that releases the interpreter lock, and on the
path every request takes each release hands the lock to another server thread: cProfile put
the two urandom calls per request at about 6% of the emulator's wall time under load.
"""
import base64
import random
import uuid

_draw = random.Random()  # seeded from os.urandom once; its methods hold the lock


def cloudfront_request_id():
    """56 URL-safe base64 characters, as CloudFront's X-Amz-Cf-Id."""
    return base64.urlsafe_b64encode(_draw.randbytes(42)).decode()


def lambda_request_id():
    """A version 4 UUID, as Lambda's awsRequestId."""
    return str(uuid.UUID(int=_draw.getrandbits(128), version=4))
