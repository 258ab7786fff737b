"""Revalidating an expired object with the origin ("Manage how long content stays in the
cache (expiration)"; "How CloudFront processes HTTP 4xx and 5xx status codes from your
origin")."""
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import aws_cdk as cdk
import pytest
import requests
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins

from edge_persist.emulator.server import Emulator

DOMAIN = "revalidate.example"
REFUSING = "refusing.example"


class Origin:
    """Answers with ETag "v1" and max-age=1, 304 to If-None-Match "v1"; or 503 when told.
    Under /stale/ and /slow/ (after half a second), with the Cache-Control the last path
    segment gives and a body counting the fetches of that path (the test distribution's
    cache policy forwards no query string)."""

    def __init__(self):
        self.seen, self.failing = [], False
        self.fetches = {}
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                origin.seen.append(self.headers.get("If-None-Match"))
                path = self.path.partition("?")[0]
                name = "/".join(path.split("/")[:3])  # /stale/<name>, /slow/<name>
                origin.fetches[name] = origin.fetches.get(name, 0) + 1
                if path.startswith("/slow/"):
                    time.sleep(0.5)
                if path.startswith(("/timeout/", "/failover/")):  # past a 1 s read timeout
                    time.sleep(1.5)
                if path.startswith("/group/"):  # the failing primary of an origin group
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
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
                control = "max-age=1"
                if path.startswith(("/stale/", "/slow/")):
                    body = f"fetch {origin.fetches[name]}".encode()
                    control = unquote(path.rsplit("/", 1)[1])
                self.send_response(200)
                if not path.startswith(("/stale/", "/slow/")):
                    self.send_header("ETag", '"v1"')
                self.send_header("Cache-Control", control)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

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
    http_only = cloudfront.OriginProtocolPolicy.HTTP_ONLY
    impatient = origins.HttpOrigin(DOMAIN, protocol_policy=http_only,
                                   read_timeout=cdk.Duration.seconds(1))
    fallback = origins.HttpOrigin(DOMAIN, protocol_policy=http_only, origin_path="/fallback")
    cloudfront.Distribution(
        stack, "Dist",
        default_behavior=cloudfront.BehaviorOptions(
            origin=origins.HttpOrigin(DOMAIN, protocol_policy=http_only), cache_policy=policy),
        additional_behaviors={
            "/timeout/*": cloudfront.BehaviorOptions(
                origin=impatient, cache_policy=cloudfront.CachePolicy.CACHING_DISABLED),
            "/failover/*": cloudfront.BehaviorOptions(
                origin=origins.OriginGroup(
                    primary_origin=impatient,
                    fallback_origin=fallback, fallback_status_codes=[500]),
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED),
            "/group/*": cloudfront.BehaviorOptions(
                origin=origins.OriginGroup(
                    primary_origin=origins.HttpOrigin(DOMAIN, protocol_policy=http_only),
                    fallback_origin=fallback, fallback_status_codes=[503]),
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED),
            "/refused/*": cloudfront.BehaviorOptions(
                origin=origins.OriginGroup(
                    primary_origin=origins.HttpOrigin(REFUSING, protocol_policy=http_only),
                    fallback_origin=fallback, fallback_status_codes=[503]),
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED)})
    app.synth()
    origin = Origin()
    with socket.socket() as closed:  # a port that refuses connections: bound, not listening
        closed.bind(("127.0.0.1", 0))
        refusing = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with Emulator(outdir, moto_url, origins={DOMAIN: origin.url, REFUSING: refusing}) \
                as emulator:
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


def test_stale_while_revalidate_serves_the_expired_object_at_once_and_refreshes_it(served):
    """Page: Manage how long content stays in the cache (expiration)
    Rule: with Cache-Control stale-while-revalidate, CloudFront serves the expired object
    right away during that window while it fetches a new version in the background."""
    emulator, origin = served
    url = emulator.url + "/stale/swr/" + quote("max-age=1, stale-while-revalidate=30")
    assert requests.get(url, timeout=30).content == b"fetch 1"
    time.sleep(1.2)
    stale = requests.get(url, timeout=30)
    assert stale.content == b"fetch 1" and stale.headers["X-Cache"] == "Hit from cloudfront"
    deadline = time.monotonic() + 10
    while origin.fetches["/stale/swr"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert requests.get(url, timeout=30).content == b"fetch 2"  # the background refresh


def test_past_stale_while_revalidate_the_viewer_waits_for_the_origin(served):
    """Page: Manage how long content stays in the cache (expiration)
    Rule: after the stale-while-revalidate window, an expired object is fetched again before
    the viewer gets an answer."""
    emulator, origin = served
    url = emulator.url + "/stale/short/" + quote("max-age=1, stale-while-revalidate=1")
    requests.get(url, timeout=30)
    time.sleep(2.3)
    answer = requests.get(url, timeout=30)
    assert answer.content == b"fetch 2" and answer.headers["X-Cache"] == "Miss from cloudfront"


def test_stale_if_error_bounds_how_long_an_expired_object_covers_an_error(served):
    """Page: Manage how long content stays in the cache (expiration)
    Rule: with stale-if-error, CloudFront serves the expired object when the origin returns
    a 5xx within that window; past it, the viewer gets the error."""
    emulator, origin = served
    within = emulator.url + "/stale/sie/" + quote("max-age=1, stale-if-error=30")
    past = emulator.url + "/stale/sie-short/" + quote("max-age=1, stale-if-error=1")
    for url in (within, past):
        requests.get(url, timeout=30)
    time.sleep(2.3)
    origin.failing = True
    try:
        assert requests.get(within, timeout=30).content == b"fetch 1"
        assert requests.get(past, timeout=30).status_code == 503
    finally:
        origin.failing = False


def test_simultaneous_misses_for_one_object_reach_the_origin_once(served):
    """Page: Request and response behavior for custom origins
    Rule: requests for the same object (same cache key) that arrive while the first is on
    its way to the origin wait for it and get its answer (request collapsing); requests
    with another cache key go to the origin each."""
    emulator, origin = served
    url = emulator.url + "/slow/collapse/" + quote("max-age=60")
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=30), range(6)))
    assert origin.fetches["/slow/collapse"] == 1
    assert {a.content for a in answers} == {b"fetch 1"}
    assert sorted(a.headers["X-Cache"] for a in answers) == \
        ["Hit from cloudfront"] * 5 + ["Miss from cloudfront"]


def test_an_uncacheable_answer_is_not_shared_with_the_waiting_requests(served):
    """Page: Request and response behavior for custom origins
    Rule: with a minimum TTL of 0 and Cache-Control no-store (or private, no-cache,
    max-age=0), requests paused behind the first one are then sent to the origin."""
    emulator, origin = served
    url = emulator.url + "/slow/private/" + quote("no-store")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=30), range(4)))
    assert origin.fetches["/slow/private"] == 4
    assert {a.headers["X-Cache"] for a in answers} == {"Miss from cloudfront"}


def test_an_origin_past_its_response_timeout_gets_504(served):
    """Page: HTTP 504 status code (Gateway Timeout)
    Rule: when the origin does not answer within the origin's response timeout
    (OriginReadTimeout), CloudFront returns 504 Gateway Timeout."""
    emulator, _ = served
    started = time.monotonic()
    answer = requests.get(emulator.url + "/timeout/x", timeout=30)
    assert answer.status_code == 504
    assert 0.9 < time.monotonic() - started < 1.5  # the origin's 1 s, not its 1.5 s


def test_a_timeout_fails_over_to_the_next_origin(served):
    """Page: Optimize high availability with CloudFront origin failover
    Rule: CloudFront fails over to the secondary origin when the primary does not answer in
    time, as when it answers with one of the failover status codes."""
    emulator, origin = served
    answer = requests.get(emulator.url + "/failover/x", timeout=30)
    assert answer.status_code == 200
    assert origin.fetches["/fallback/failover"] == 1


def test_failover_is_for_get_head_and_options_only(served):
    """Page: Optimize high availability with CloudFront origin failover
    Rule: CloudFront fails over to the secondary origin only when the viewer's method is GET,
    HEAD or OPTIONS; other methods get the primary origin's answer."""
    emulator, origin = served
    for method in ("GET", "HEAD", "OPTIONS"):
        assert requests.request(method, emulator.url + "/group/x", timeout=30
                                ).status_code == 200, method
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert requests.request(method, emulator.url + "/group/x", data=b"a=1", timeout=30
                                ).status_code == 503, method


def test_a_refused_connection_fails_over_to_the_next_origin(served):
    """Page: Optimize high availability with CloudFront origin failover
    Rule: CloudFront fails over when it cannot connect to the primary origin."""
    emulator, origin = served
    answer = requests.get(emulator.url + "/refused/y", timeout=30)
    assert answer.status_code == 200
    assert origin.fetches["/fallback/refused"] == 1
