"""Revalidating an expired object with the origin ("Manage how long content stays in the
cache (expiration)"; "How CloudFront processes HTTP 4xx and 5xx status codes from your
origin")."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aws_cdk as cdk
import pytest
import requests
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins

from edge_persist.emulator.server import Emulator

DOMAIN = "revalidate.example"


class Origin:
    """Answers /obj with ETag "v1" and max-age=1, 304 to If-None-Match "v1"; or 503 when told."""

    def __init__(self):
        self.seen, self.failing = [], False
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                origin.seen.append(self.headers.get("If-None-Match"))
                if origin.failing:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.send_header("Cache-Control", "max-age=1")
                    self.end_headers()
                    return
                body = b"object v1"
                self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Cache-Control", "max-age=1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def served(tmp_path_factory, moto_url):
    outdir = tmp_path_factory.mktemp("reval.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "RevalStack", env=cdk.Environment(region="us-east-1"))
    policy = cloudfront.CachePolicy(stack, "Short", min_ttl=cdk.Duration.seconds(0),
                                    default_ttl=cdk.Duration.seconds(1),
                                    max_ttl=cdk.Duration.seconds(60))
    cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
        origin=origins.HttpOrigin(DOMAIN, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY),
        cache_policy=policy))
    app.synth()
    origin = Origin()
    with Emulator(outdir, moto_url, origins={DOMAIN: origin.url}) as emulator:
        yield emulator, origin
    origin.server.shutdown()


def test_an_expired_object_is_revalidated_and_a_304_serves_it_as_a_refresh_hit(served):
    """Page: Manage how long content stays in the cache (expiration)
    Rule: when an object expires, CloudFront asks the origin with its ETag (If-None-Match); a
    304 Not Modified serves the cached object again (X-Cache RefreshHit) and refreshes it."""
    emulator, origin = served
    first = requests.get(emulator.url + "/obj", timeout=30)
    time.sleep(1.2)
    again = requests.get(emulator.url + "/obj", timeout=30)
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert again.headers["X-Cache"] == "RefreshHit from cloudfront"
    assert again.status_code == 200 and again.content == b"object v1"
    assert origin.seen[-1] == '"v1"'
    assert requests.get(emulator.url + "/obj", timeout=30).headers["X-Cache"] == \
        "Hit from cloudfront"  # refreshed for another max-age


def test_an_expired_object_is_served_when_the_origin_answers_5xx(served):
    """Page: How CloudFront processes HTTP 4xx and 5xx status codes from your origin
    Rule: when the origin returns a 5xx status for an object that is in the edge cache but
    expired, CloudFront returns the cached object rather than the error."""
    emulator, origin = served
    requests.get(emulator.url + "/other", timeout=30)
    time.sleep(1.2)
    origin.failing = True
    try:
        answer = requests.get(emulator.url + "/other", timeout=30)
    finally:
        origin.failing = False
    assert answer.status_code == 200 and answer.content == b"object v1"
