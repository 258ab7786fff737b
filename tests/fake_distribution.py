"""A loopback HTTP server that plays a deployed distribution for verify.py's tests.

It runs the real edge and origin handlers in-process (a fresh module import is a new
execution environment) and ships their log lines to CloudWatch Logs, which moto's
mock_aws provides in the same process.
"""
import contextlib
import io
import itertools
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import boto3

from edge_persist import contract
from tests.conftest import fresh_module, load_event

STACK = "EdgePersistStack"
EDGE_FN = f"{STACK}-edge"
ORIGIN_FN = f"{STACK}-origin"
ORIGIN_GROUP = f"/aws/lambda/{ORIGIN_FN}"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"


def put_lines(region, group, stream, lines):
    client = boto3.client("logs", region_name=region)
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_group(logGroupName=group)
    with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
        client.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    client.put_log_events(logGroupName=group, logStreamName=stream,
                          logEvents=[{"timestamp": now, "message": m} for m in lines])


def run_capturing(fn, event):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(event, None)
    return result, [line for line in out.getvalue().splitlines() if line]


class FakeDistribution:
    """regions: requests go round-robin to these; fresh_env_every_request: no reuse at all."""

    def __init__(self, regions=("eu-west-3",), fresh_env_every_request=False, write_logs=True,
                 echo_override=None, extra_origin_lines=()):
        self.regions = list(regions)
        self.fresh = fresh_env_every_request
        self.write_logs = write_logs
        self.echo_override = echo_override
        self.extra_origin_lines = list(extra_origin_lines)
        self.envs = {}
        self._turn = itertools.cycle(self.regions)
        self._lock = threading.Lock()
        self.server = HTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._origin = fresh_module("origin_lambda")

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def outputs(self):
        return {STACK: {"DistributionUrl": self.url, "DistributionId": DISTRIBUTION_ID,
                        "DistributionDomainName": self.url.split("//")[1],
                        "EdgeFunctionName": EDGE_FN, "OriginFunctionName": ORIGIN_FN,
                        "OriginLogGroupName": ORIGIN_GROUP}}

    def _environment(self, region):
        if self.fresh or region not in self.envs:
            with _aws_region(region):
                module = fresh_module("lambda_edge")
            self.envs[region] = module
        return self.envs[region]

    def serve(self, path, headers):
        with self._lock:
            region = next(self._turn)
            edge = self._environment(region)
            event = load_event("origin_request")
            request = event["Records"][0]["cf"]["request"]
            split = urlsplit(path)
            request["uri"], request["querystring"] = split.path, split.query
            for name, value in headers.items():
                request["headers"][name.lower()] = [{"key": name, "value": value}]
            request, edge_lines = run_capturing(edge.handler, event)
            alb_event = load_event("alb_request")
            alb_event["path"] = split.path
            alb_event["queryStringParameters"] = dict(parse_qsl(split.query))
            alb_event["headers"] = {k: v[-1]["value"] for k, v in request["headers"].items()}
            response, origin_lines = run_capturing(self._origin.handler, alb_event)
            if self.write_logs:
                stream = f"2026/11/23/[1]{edge.ENV_ID}"
                if edge_lines:
                    put_lines(region, contract.edge_log_group(EDGE_FN), stream, edge_lines)
                put_lines("us-east-1", ORIGIN_GROUP, "2026/11/23/[$LATEST]origin",
                          origin_lines + self.extra_origin_lines)
            if self.echo_override:
                response["headers"][contract.HEADER_SEEN] = self.echo_override
            return response, region

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                response, region = fake.serve(self.path, dict(self.headers))
                body = response["body"].encode()
                self.send_response(response["statusCode"])
                for name, value in response["headers"].items():
                    self.send_header(name, value)
                self.send_header("X-Cache", "Miss from cloudfront")
                self.send_header("X-Amz-Cf-Pop", {"eu-west-3": "CDG50-C1"}.get(region, "IAD89-C2"))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


@contextlib.contextmanager
def _aws_region(region):
    old = os.environ.get("AWS_REGION")
    os.environ["AWS_REGION"] = region
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("AWS_REGION", None)
        else:
            os.environ["AWS_REGION"] = old


def write_outputs(tmp_path, fake):
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps(fake.outputs()))
    return path
