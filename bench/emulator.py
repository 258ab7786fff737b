"""Emulator throughput, as ratios to a bare loopback HTTP server measured in the same round.

    make synth && .venv/bin/python -m bench.emulator

Two emulators run in their own processes (as `make demo` runs one), logs shipped to a moto
server: this project's app, where every request is a miss through Lambda@Edge and the ALB
(its viewer protocol policy set to allow-all in a copy, so that it is measured over plain
HTTP as the baseline is), and the test feature app, where every request is a cache hit that still runs viewer-request
and viewer-response. Two baselines answer the miss run's bytes, each in a process of its own:
the standard library's threaded HTTP server (the baseline of earlier figures), and the
emulator's own HTTP front end with nothing behind it (what CloudFront's stages, the functions
and the origin cost over the floor of the server they run in). This process is the load: 8
keep-alive connections, 2,000 requests per mode and round, sent in 8 slices taken in turn
(A B C D A B C D ...), three rounds.
"""
import http.client
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

from bench.common import STOP_GRACE_S, row, start_helper, stop_helper, run
from bench.load import CONCURRENCY, load
from edge_persist.emulator.services.motoserver import MotoServer
from tests.conftest import edited_copy, fresh_module, load_event
from tests.integration.apps import features_app

REQUESTS, WARMUP_ROUNDS, ROUNDS = 2000, 5, 3
CHUNKS = 8  # slices per mode and round, interleaved
# The feature app's default behavior: a cacheable answer, with viewer-request and
# viewer-response functions on every hit.
HIT_PATH = "/bench?v=1&cc=max-age%3D3600"


def start_emulator(moto_url, outputs, cdk_out):
    process = start_helper(
        [sys.executable, "-m", "edge_persist.emulator", "--logs-endpoint", moto_url,
         "--cdk-out", str(cdk_out), "--outputs-file", str(outputs)], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True)
    process.stdout.readline()  # its first line means it is serving
    deadline = time.monotonic() + 30
    while not outputs.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    values = next(iter(json.loads(outputs.read_text()).values()))
    return process, values


def in_process_p50(samples=2000):
    edge, origin = fresh_module("lambda_edge"), fresh_module("origin_lambda")
    edge.print = origin.print = lambda *a, **k: None
    cf_event, alb_event = load_event("origin_request"), load_event("alb_request")
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        edge.handler(cf_event, None)
        origin.handler(alb_event, None)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def shipped_origin_lines(moto_url, group):
    client = boto3.client("logs", region_name="us-east-1", endpoint_url=moto_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    pages = client.get_paginator("filter_log_events").paginate(
        logGroupName=group, filterPattern='"origin_request"')
    return sum(len(page["events"]) for page in pages)


def stdlib_server(port_queue, status, headers, body):
    """A keep-alive loopback server of the standard library (threads, http.server) answering
    fixed bytes: the baseline of the figures before the emulator moved to an event loop."""
    import socket
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_port)
    server.serve_forever()


def floor_server(port_queue, status, headers, body):
    """The floor of the emulator's own front end: its HTTP server (llhttp on uvloop, the same
    field checks on the way out) answering fixed bytes, with nothing behind it."""
    import signal

    from edge_persist.emulator.frontend.loop import served
    from edge_persist.emulator.frontend.messages import HttpResponse
    from edge_persist.emulator.frontend.server import PlainHandler

    class Fixed(PlainHandler):
        def handle(self, request):
            return HttpResponse(status, headers, body)

    with served(Fixed()) as listener:
        port_queue.put(listener.port)
        signal.pause()  # until terminate()


BASELINES = {"stdlib": stdlib_server, "floor": floor_server}


def sample(host, port, path):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    headers = [(k, v) for k, v in response.getheaders() if k.lower() != "connection"]
    connection.close()
    return response.status, headers, body


def start_bare(server, answer):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=server, args=(queue, *answer), daemon=True)
    process.start()
    return process, queue.get(timeout=10)


def measure(targets):
    """One round: every mode warmed up, then REQUESTS per mode sent in CHUNKS slices taken
    in turn (A B C A B C ...), so that a neighbour's burst on this shared machine falls on
    every mode alike rather than on whichever ran at that moment."""
    for host, port, path in targets.values():
        for _ in range(WARMUP_ROUNDS):  # start CONCURRENCY environments per function
            load(host, port, CONCURRENCY, path)
    seen = {mode: ([], 0.0, 0) for mode in targets}
    for _ in range(CHUNKS):
        for mode, (host, port, path) in targets.items():
            latencies, elapsed, errors = load(host, port, REQUESTS // CHUNKS, path)
            before = seen[mode]
            seen[mode] = (before[0] + latencies, before[1] + elapsed, before[2] + len(errors))
    result = {}
    for mode, (latencies, elapsed, errors) in seen.items():
        latencies.sort()
        result[mode] = {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
                        "p99": latencies[int(len(latencies) * 0.99)], "errors": errors}
    return result


def spread(values, unit="x"):
    values = sorted(values)
    return f"{values[0]:.2f} / {statistics.median(values):.2f} / {values[-1]:.2f} {unit}"


def plain_http_copy(cdk_out, folder):
    """cdk.out with every behavior's viewer protocol policy at allow-all: the app redirects
    plain HTTP to HTTPS, and the path is measured over plain HTTP, as the bare server is."""
    def allow_all(template):
        for resource in template.get("Resources", {}).values():
            config = resource.get("Properties", {}).get("DistributionConfig")
            if resource.get("Type") == "AWS::CloudFront::Distribution" and config:
                for behavior in [config.get("DefaultCacheBehavior", {}),
                                 *config.get("CacheBehaviors", [])]:
                    behavior["ViewerProtocolPolicy"] = "allow-all"
    return edited_copy(cdk_out, Path(folder) / "cdk.out", allow_all)


def main():
    with MotoServer() as moto, tempfile.TemporaryDirectory() as tmp:
        features = Path(tmp) / "features.out"
        features_app.build(features).synth()
        miss_process, outputs = start_emulator(moto.url, Path(tmp) / "miss.json",
                                               plain_http_copy("cdk.out", tmp))
        hit_process, hit_outputs = start_emulator(moto.url, Path(tmp) / "hit.json", features)
        try:
            miss_host, miss_port = outputs["DistributionDomainName"].split(":")
            hit_host, hit_port = hit_outputs["DistributionUrl"].split("//")[1].split(":")
            targets = {"miss": (miss_host, int(miss_port), "/?probe=b"),
                       "hit": (hit_host, int(hit_port), HIT_PATH)}
            answer = sample(*targets["miss"])
            bare = {name: start_bare(server, answer) for name, server in BASELINES.items()}
            targets.update({name: ("127.0.0.1", port, "/") for name, (_, port) in bare.items()})
            rounds = [measure(targets) for _ in range(ROUNDS)]
            for process, _ in bare.values():
                process.terminate()
                process.join(STOP_GRACE_S)
            expected = ROUNDS * (REQUESTS + WARMUP_ROUNDS * CONCURRENCY) + 1
            deadline = time.monotonic() + 15  # the shipper sends a batch every second
            while True:
                shipped = shipped_origin_lines(moto.url, outputs["OriginLogGroupName"])
                if shipped >= expected or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            for process in (miss_process, hit_process):
                stop_helper(process)
    baseline = in_process_p50()
    print(f"{ROUNDS} rounds of {REQUESTS} requests per mode at concurrency {CONCURRENCY}, "
          f"interleaved in {CHUNKS} slices, after a warm-up; min / median / max over the rounds")
    for mode, what in (("miss", "miss (viewer -> Lambda@Edge -> ALB -> origin Lambda)"),
                       ("hit", "cache hit (viewer-request + viewer-response on each hit)")):
        print(f"{what}:")
        for name in BASELINES:
            row_spread(f"  requests/s vs the {name} server, same round",
                       [r[mode]["rps"] / r[name]["rps"] for r in rounds])
            row_spread(f"  p50 vs the {name} server, same round",
                       [r[mode]["p50"] / r[name]["p50"] for r in rounds])
        row_spread("  requests/s (absolute, not comparable across machines)",
                   [r[mode]["rps"] for r in rounds], "req/s")
        row_spread("  p50 (absolute)", [r[mode]["p50"] * 1000 for r in rounds], "ms")
        print(f"  non-200 answers: {sum(r[mode]['errors'] for r in rounds)}")
    for name in BASELINES:
        row_spread(f"{name} server requests/s (a baseline)",
                   [r[name]["rps"] for r in rounds], "req/s")
    row("emulator miss p50 / both handlers in-process p50",
        statistics.median(r["miss"]["p50"] for r in rounds) / baseline, "x")
    row("origin log lines shipped (incl. warm-up and the sample)", shipped, "", str(expected))


def row_spread(label, values, unit="x"):
    print(f"{label:<58} {spread(values, unit)}")


if __name__ == "__main__":
    run(main)
