"""Emulator throughput with warm environments, against calling both handlers in-process.

    make synth && .venv/bin/python -m bench.emulator

The emulator runs in its own process (as `make demo` would run it), logs shipped to a moto
server; this process is the load: 8 keep-alive connections, 2,000 requests.
"""
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3

from bench.common import row
from edge_persist.emulator.motoserver import MotoServer
from tests.conftest import fresh_module, load_event

REQUESTS, CONCURRENCY, WARMUP_ROUNDS = 2000, 8, 5


def start_emulator(moto_url, outputs):
    process = subprocess.Popen(
        [sys.executable, "-m", "edge_persist.emulator", "--logs-endpoint", moto_url,
         "--outputs-file", str(outputs)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    process.stdout.readline()  # its first line means it is serving
    deadline = time.monotonic() + 30
    while not outputs.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    values = next(iter(json.loads(outputs.read_text()).values()))
    return process, values


def load(host, port, count):
    """`count` requests over CONCURRENCY keep-alive connections; per-request latencies in s."""
    latencies, errors, lock = [], [], threading.Lock()
    per_thread = [count // CONCURRENCY + (i < count % CONCURRENCY) for i in range(CONCURRENCY)]

    def worker(n):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine = []
        for i in range(n):
            start = time.perf_counter()
            connection.request("GET", f"/?probe=b{i}")
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in per_thread]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started, errors


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


def main():
    with MotoServer() as moto, tempfile.TemporaryDirectory() as tmp:
        process, outputs = start_emulator(moto.url, Path(tmp) / "outputs.json")
        try:
            host, port = outputs["DistributionDomainName"].split(":")
            for _ in range(WARMUP_ROUNDS):  # start CONCURRENCY environments per function
                load(host, int(port), CONCURRENCY)
            latencies, elapsed, errors = load(host, int(port), REQUESTS)
            expected = REQUESTS + WARMUP_ROUNDS * CONCURRENCY
            deadline = time.monotonic() + 15  # the shipper sends a batch every second
            while True:
                shipped = shipped_origin_lines(moto.url, outputs["OriginLogGroupName"])
                if shipped >= expected or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(10)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    baseline = in_process_p50()
    row(f"{REQUESTS} requests at concurrency {CONCURRENCY}, warm", REQUESTS / elapsed, "req/s",
        ">= 1000")
    row("p50 latency", p50 * 1000, "ms")
    row("p99 latency", p99 * 1000, "ms")
    row("both handlers called in-process, p50 (baseline)", baseline * 1e6, "us")
    row("emulator p50 / in-process p50", p50 / baseline, "x")
    row("non-200 answers", len(errors), "")
    row("origin log lines shipped (incl. warm-up)", shipped, "",
        str(REQUESTS + WARMUP_ROUNDS * CONCURRENCY))


if __name__ == "__main__":
    main()
