"""The emulator's control endpoint: the parts of CloudFront's API a local run needs.

CreateInvalidation, as botocore's `cloudfront` client calls it with `endpoint_url` (REST-XML,
POST /2020-05-31/distribution/{Id}/invalidation; CloudFront API Reference,
"CreateInvalidation"). Invalidations complete at once: there are no edge locations to reach.
"""
import os
import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from edge_persist.emulator.frontend.messages import HttpResponse

API_VERSION = "2020-05-31"
NAMESPACE = f"http://cloudfront.amazonaws.com/doc/{API_VERSION}/"
INVALIDATION = re.compile(rf"^/{API_VERSION}/distribution/([^/]+)/invalidation$")


def _error(status, code, message):
    body = (f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{os.urandom(8).hex()}</RequestId></ErrorResponse>").encode()
    return HttpResponse(status, [("Content-Type", "text/xml")], body)


class ControlApi:
    def __init__(self, tiers):
        """tiers: distribution id -> CloudFrontTier."""
        self.tiers = tiers
        self.url = ""

    @staticmethod
    def refusal(status, why):
        """The API's answer to a request its server refuses (bad framing, too large)."""
        return _error(status, "InvalidRequest", why)

    def handle(self, request):
        match = INVALIDATION.match(request.path)
        if request.method != "POST" or not match:
            return _error(404, "NotFound", f"{request.method} {request.path} is not emulated")
        tier = self.tiers.get(match.group(1))
        if tier is None:
            return _error(404, "NoSuchDistribution",
                          f"The specified distribution {match.group(1)} does not exist.")
        try:
            batch = ElementTree.fromstring(request.body)
        except ElementTree.ParseError as err:
            return _error(400, "MalformedXML", str(err))
        paths = [p.text or "" for p in batch.iter(f"{{{NAMESPACE}}}Path")] or \
            [p.text or "" for p in batch.iter("Path")]
        if not paths or not all(p.startswith("/") for p in paths):
            return _error(400, "InvalidArgument", "every path must start with /")
        tier.caches.invalidate(paths)
        return self._created(match.group(1), paths, batch)

    def _created(self, distribution_id, paths, batch):
        invalidation_id = "I" + os.urandom(7).hex().upper()
        reference = next((r.text for r in batch.iter(f"{{{NAMESPACE}}}CallerReference")), "") \
            or next((r.text for r in batch.iter("CallerReference")), "")
        items = "".join(f"<Path>{escape(p)}</Path>" for p in paths)
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        body = (f'<?xml version="1.0"?><Invalidation xmlns="{NAMESPACE}">'
                f"<Id>{invalidation_id}</Id><Status>Completed</Status>"
                f"<CreateTime>{now}</CreateTime><InvalidationBatch><Paths>"
                f"<Quantity>{len(paths)}</Quantity><Items>{items}</Items></Paths>"
                f"<CallerReference>{escape(reference or '')}</CallerReference>"
                f"</InvalidationBatch></Invalidation>").encode()
        location = f"{self.url}/{API_VERSION}/distribution/{distribution_id}/invalidation/" \
                   f"{invalidation_id}"
        return HttpResponse(201, [("Content-Type", "text/xml"), ("Location", location)], body)
