"""Cost of the Lambda@Edge handler, each figure against a baseline measured in the same run.

    .venv/bin/python -m bench.edge_handler
"""
import io
import json
import subprocess
import sys
import zipfile

from bench.common import best_per_call, paired_ratio, row, run
from tests.conftest import ROOT, fresh_module, load_event

ARTICLE_VALUE = "2026-11-23T00:00:00.000Z"


def article_handler(event, context):
    """The original article's function: one constant header, then return the request."""
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["custom_header"] = [{"key": "custom_header", "value": ARTICLE_VALUE}]
    return request


def runtime_work(raw):
    """What the Lambda runtime does on every invoke anyway: decode the event, encode the result."""
    return json.dumps(json.loads(raw))


def cold_import_ms(samples=15):
    # json is already loaded by the Lambda runtime's bootstrap before the handler is imported.
    code = ("import json, time; t = time.perf_counter(); import handler; "
            "print((time.perf_counter() - t) * 1000)")
    times = [float(subprocess.check_output([sys.executable, "-c", code],
                                           cwd=ROOT / "lambda_edge", text=True))
             for _ in range(samples)]
    return sorted(times)[len(times) // 2]


def zipped_asset_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((ROOT / "lambda_edge").glob("*.py")):
            archive.write(path, path.name)
    return len(buffer.getvalue())


def session_events(edge):
    """A /session origin-request event, its origin-response, and a stored session."""
    request_event = load_event("origin_request")
    request = request_event["Records"][0]["cf"]["request"]
    request["uri"] = "/session"
    request["headers"]["cookie"] = [{"key": "Cookie", "value": "ep_session=bench-session-1"}]
    data = json.dumps({"session": "bench-session-1", "origin_time": ARTICLE_VALUE,
                       "padding": "x" * 256}, separators=(",", ":"))
    response_event = {"Records": [{"cf": {
        "config": {"eventType": "origin-response"}, "request": request,
        "response": {"status": "200", "statusDescription": "OK", "headers": {
            "x-persist-set": [{"key": "x-persist-set", "value": data}]}}}}]}
    miss_event = json.loads(json.dumps(request_event))
    miss_event["Records"][0]["cf"]["request"]["headers"]["cookie"][0]["value"] = \
        "ep_session=never-stored"
    return request_event, response_event, miss_event, data


def sessions_bench(edge, article):
    """`article`: the article's handler on its own event, the baseline of every ratio."""
    hit_event, store_event, miss_event, data = session_events(edge)
    store_headers = store_event["Records"][0]["cf"]["response"]["headers"]
    set_header = store_headers["x-persist-set"]

    def store():
        store_headers["x-persist-set"] = set_header  # the handler takes it off each time
        edge.handler(store_event, None)
    store()
    row("session hit, generated at the edge / article handler",
        paired_ratio(lambda: edge.handler(hit_event, None), article), "x", "<= 8")
    row("session miss, forwarded / article handler",
        paired_ratio(lambda: edge.handler(miss_event, None), article), "x")
    row("origin-response storing the data / article handler", paired_ratio(store, article), "x")
    overhead = edge.ENTRY_OVERHEAD
    row("per-entry overhead beyond key and value (accounted)", overhead, "bytes", "<= 200")
    cost = edge.SessionStore.cost("3f2b8c1e-7d4a-4b6e-9c2f-0a1b2c3d4e5f", data)
    row("sessions of 256-byte data in a 128 MB function (64 MB)", (64 << 20) / cost,
        "sessions", ">= 100000")


def main():
    event = load_event("origin_request")
    raw = json.dumps(event)
    edge = fresh_module("lambda_edge")
    edge.print = lambda *a, **k: None  # the one init log line is not per-invocation cost
    ours = best_per_call(lambda: edge.handler(event, None))
    article = best_per_call(lambda: article_handler(event, None))
    runtime = best_per_call(lambda: runtime_work(raw), number=5000)
    row("edge handler per invocation", ours * 1e6, "us")
    row("article handler per invocation (baseline)", article * 1e6, "us")
    row("edge handler / article handler (non-session path)",
        paired_ratio(lambda: edge.handler(event, None), lambda: article_handler(event, None)),
        "x", "<= 3")
    row("runtime json.loads+dumps of the event (baseline)", runtime * 1e6, "us")
    row("edge handler / runtime json work", ours / runtime, "x", "<= 0.05")
    row("cold import of lambda_edge/handler.py (median)", cold_import_ms(), "ms", "<= 5")
    row("zipped edge asset", zipped_asset_bytes() / 1024, "KB", "<= 4")
    sessions_bench(edge, lambda: article_handler(event, None))


if __name__ == "__main__":
    run(main)
