"""The emulator's control endpoint (`ApiEndpoint` in the outputs file), on loopback.

Two APIs share it:
- CloudFront's own CreateInvalidation, as botocore's `cloudfront` client calls it with
  `endpoint_url` (REST-XML, POST /2020-05-31/distribution/{Id}/invalidation; CloudFront API
  Reference, "CreateInvalidation"). Invalidations complete at once: there are no edge
  locations to reach.
- The emulator's own, JSON over HTTP under /emulator/, for tests in any language
  (docs/control-api.md):

      GET  /emulator/distributions              [{logicalId, id, url}]
      GET  /emulator/functions                  [{name, kind, runtime, logicalId, cdkPath,
                                                  stack, logGroup}]
      GET  /emulator/environments               [{function, region, id, invocations,
                                                  ageSeconds, busy}]
      GET  /emulator/logs?function=F[&region=R] {function, lines: [{region, message}]}
      POST /emulator/reset                      {}
      POST /emulator/recycle   {function?, region?}           {recycled}
      POST /emulator/invalidate {paths, distribution?}         {dropped}

  A function is named by its name, logical id, CDK path or construct id, or a part of one of
  them that names one function alone. A bad request is 400 {"error": "..."}; an unknown
  path 404.
"""
import asyncio
import json
import os
import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timezone
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from edge_persist.emulator.cloudfront.cache import invalidation_problem
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.errors import UsageError, parse_json

API_VERSION = "2020-05-31"
NAMESPACE = f"http://cloudfront.amazonaws.com/doc/{API_VERSION}/"
INVALIDATION = re.compile(rf"^/{API_VERSION}/distribution/([^/]+)/invalidation$")
PREFIX = "/emulator/"


def _error(status, code, message):
    body = (f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error>'
            f"<Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{os.urandom(8).hex()}</RequestId></ErrorResponse>").encode()
    return HttpResponse(status, [("Content-Type", "text/xml")], body)


def _json(status, document):
    return HttpResponse(status, [("Content-Type", "application/json")],
                        json.dumps(document).encode())


class ControlApi:
    def __init__(self, emulator):
        """emulator: the server.Emulator whose state the API reads and changes."""
        self.emulator = emulator
        self.url = ""

    @staticmethod
    def refusal(status, why):
        """The API's answer to a request its server refuses (bad framing, too large)."""
        return _json(status, {"error": why})

    async def handle(self, request):
        if request.path.startswith(PREFIX):
            try:
                return await self._emulator(request)
            except UsageError as err:
                return _json(400, {"error": str(err)})
        return self._invalidation(request)

    # --- the emulator's own API ------------------------------------------------------------

    async def _emulator(self, request):
        route = (request.method, request.path[len(PREFIX):].rstrip("/"))
        emulator = self.emulator
        if route == ("GET", "distributions"):
            return _json(200, emulator.distributions())
        if route == ("GET", "functions"):
            return _json(200, emulator.functions())
        if route == ("GET", "environments"):
            return _json(200, emulator.environments())
        if route == ("GET", "logs"):
            query = dict(parse_qsl(request.query))
            if not query.get("function"):
                raise UsageError("logs needs ?function=NAME")
            lines = await asyncio.get_running_loop().run_in_executor(
                None, emulator.log_lines, query["function"], query.get("region"))
            return _json(200, {"function": emulator.function(query["function"])["name"],
                               "lines": [{"region": r, "message": m} for r, m in lines]})
        if route == ("POST", "reset"):
            await emulator.reset()
            return _json(200, {})
        body = _body(request)
        if route == ("POST", "recycle"):
            return _json(200, {"recycled": await emulator.recycle(
                _text(body, "function"), _text(body, "region"))})
        if route == ("POST", "invalidate"):
            paths = body.get("paths")
            if not isinstance(paths, list) or not paths:
                raise UsageError("invalidate needs {\"paths\": [\"/path\", ...]}")
            problem = next(filter(None, map(invalidation_problem, paths)), None)
            if problem:
                raise UsageError(problem)
            return _json(200, {"dropped": await emulator.invalidate(
                paths, _text(body, "distribution"))})
        return _json(404, {"error": f"{request.method} {request.path} is not in the "
                                    "emulator's API (docs/control-api.md)"})

    # --- CloudFront's CreateInvalidation ---------------------------------------------------

    def _invalidation(self, request):
        match = INVALIDATION.match(request.path)
        if request.method != "POST" or not match:
            return _error(404, "NotFound", f"{request.method} {request.path} is not emulated")
        tier = self.emulator.tiers.get(match.group(1))
        if tier is None:
            return _error(404, "NoSuchDistribution",
                          f"The specified distribution {match.group(1)} does not exist.")
        try:
            batch = ElementTree.fromstring(request.body)
        except ElementTree.ParseError as err:
            return _error(400, "MalformedXML", str(err))
        paths = [p.text or "" for p in batch.iter(f"{{{NAMESPACE}}}Path")] or \
            [p.text or "" for p in batch.iter("Path")]
        problem = next(filter(None, map(invalidation_problem, paths)), None) \
            if paths else "the batch has no path"
        if problem:
            return _error(400, "InvalidArgument", problem)
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


def _body(request):
    """A JSON object body ({} when empty); UsageError for anything else."""
    if not request.body:
        return {}
    try:
        body = parse_json(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise UsageError(f"the body {err}") from None
    if not isinstance(body, dict):
        raise UsageError("the body must be a JSON object")
    return body


def _text(body, key):
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{key} must be a string")
    return value
