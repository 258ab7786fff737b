"""Log-phase throughput of verify.py, each figure against a baseline measured in the same run.

    .venv/bin/python -m bench.verify_logs
"""
import json
import time

from bench.common import row, run
from edge_persist.verify import logs
from edge_persist.regions import EDGE_LOG_REGIONS

EVENTS = 200_000
LATENCY_S = 0.050


def origin_lines(n):
    return [json.dumps({"event": "origin_request", "custom_header": "2026-11-23T00:00:00.000Z",
                        "persist_env": "0123456789abcdef", "persist_region": "eu-west-3",
                        "persist_invocation": str(i), "probe_id": f"p-{i:012x}", "method": "GET",
                        "path": "/", "headers": {"host": "d111111abcdef8.cloudfront.net",
                                                 "user-agent": "python-requests/2.34.2",
                                                 "x-probe-id": f"p-{i:012x}"}})
            for i in range(n)]


def parse_rate():
    lines = origin_lines(EVENTS)
    start = time.perf_counter()
    for line in lines:
        json.loads(line)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    parsed = [logs.parse_line(line) for line in lines]
    ours = time.perf_counter() - start
    assert all(p and p["event"] == "origin_request" for p in parsed)
    return EVENTS / ours, EVENTS / baseline


class SlowLogs:
    """A CloudWatch Logs client whose every call takes LATENCY_S, like a far-away region."""

    def get_paginator(self, _name):
        return self

    def paginate(self, **_kwargs):
        time.sleep(LATENCY_S)
        yield {"events": [{"timestamp": 0, "message": '{"event": "edge_init", "env": "e"}'}]}


class SlowAws:
    def client(self, _service, _region):
        return SlowLogs()


def scan_seconds(parallel):
    start = time.perf_counter()
    results = logs.scan_regions(SlowAws(), EDGE_LOG_REGIONS, "/aws/lambda/us-east-1.fn",
                                "/aws/cloudfront/LambdaEdge/E1", 0, 1, parallel=parallel)
    assert len(results) == len(EDGE_LOG_REGIONS) and all(r["edge_init"] for r in results)
    return time.perf_counter() - start


def main():
    ours, baseline = parse_rate()
    row(f"parse_line over {EVENTS:,} origin log events", ours / 1000, "k events/s")
    row("plain json.loads of the same lines (baseline)", baseline / 1000, "k events/s")
    row("parse_line / json.loads speed", ours / baseline, "x")
    sequential, parallel = scan_seconds(False), scan_seconds(True)
    row(f"sequential scan, {len(EDGE_LOG_REGIONS)} regions x 2 groups, 50 ms each", sequential,
        "s")
    row("parallel scan, same regions", parallel, "s")
    row("parallel speed-up", sequential / parallel, "x", ">= 5")


if __name__ == "__main__":
    run(main)
