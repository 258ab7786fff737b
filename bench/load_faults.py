"""Load with faults on the emulator: requests at high concurrency while environments die.

    make synth && .venv/bin/python -m bench.load_faults [REQUESTS]

No request may be lost: every successful probe has its origin log line, and every failure is
a CloudFront-shaped 5xx. tests/integration/test_load_faults.py runs the same with 10,000.
"""
import collections
import http.client
import random
import ssl
import sys
import threading
import time

import boto3

from edge_persist import contract, edge_rules
from edge_persist.verify import logs
from edge_persist.emulator.services.motoserver import MotoServer
from edge_persist.emulator.server import Emulator
from bench.common import run

CLOUDFRONT_FAILURES = {x_cache for _, x_cache in (edge_rules.VALIDATION_FAILURE,
                                                   edge_rules.EXECUTION_FAILURE,
                                                   edge_rules.LIMIT_FAILURE)}
KILL_EVERY_S = 0.05
MAX_SECONDS = 300  # a bound on the whole run, whatever happens


def _client(emulator, results, lock, count, deadline):
    host, port = emulator.domain.split(":")
    # The app's viewer protocol policy redirects plain HTTP: HTTPS, trusting the emulator.
    connection = http.client.HTTPSConnection(
        host, int(port), timeout=30, context=ssl.create_default_context(
            cafile=emulator.certificate))
    mine = []
    for _ in range(count):
        if time.monotonic() > deadline:
            break
        probe = f"l-{random.getrandbits(64):016x}"
        connection.request("GET", f"/?{contract.QUERY_PROBE}={probe}",
                           headers={contract.HEADER_PROBE: probe})
        response = connection.getresponse()
        response.read()
        mine.append((probe, response.status, response.getheader("X-Cache"),
                     response.getheader("X-Amz-Cf-Id"), response.getheader("Via")))
    connection.close()
    with lock:
        results.extend(mine)


def _killer(emulator, stop, kills):
    pools = emulator.pools()
    while not stop.wait(KILL_EVERY_S):
        if random.choice(pools).kill_one():
            kills["n"] += 1


def logged_probes(moto_url, group):
    client = boto3.client("logs", region_name=contract.HOME_REGION, endpoint_url=moto_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    return {obj.get("probe_id") for _, obj, _ in logs.contract_events(
        client, group, 0, time.time() * 1000 + 60_000, contract.EVENT_ORIGIN_REQUEST)}


def run_load(emulator, moto_url, requests=10_000, concurrency=16):
    results, lock, stop, kills = [], threading.Lock(), threading.Event(), {"n": 0}
    deadline = time.monotonic() + MAX_SECONDS
    per_client = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]
    clients = [threading.Thread(target=_client, args=(emulator, results, lock, n, deadline))
               for n in per_client]
    killer = threading.Thread(target=_killer, args=(emulator, stop, kills))
    started = time.monotonic()
    killer.start()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    stop.set()
    killer.join()
    elapsed = time.monotonic() - started
    emulator.shipper.flush(timeout=60)
    origin_group = next(iter(emulator.model.functions.values())).log_group()
    logged = logged_probes(moto_url, origin_group)
    statuses = collections.Counter(status for _, status, *_ in results)
    failures = [r for r in results if r[1] != 200]
    return {
        "requests": len(results), "seconds": round(elapsed, 1),
        "requests_per_s": round(len(results) / elapsed), "kills": kills["n"],
        "statuses": dict(statuses),
        "ok_without_log": [p for p, status, *_ in results if status == 200 and p not in logged],
        "failures_not_cloudfront_shaped": [
            r for r in failures
            if not (500 <= r[1] <= 599 and r[3] and r[4] and r[2] and
                    (r[2] in CLOUDFRONT_FAILURES or r[2] == "Error from cloudfront"))],
        "x_cache_of_failures": dict(collections.Counter(r[2] for r in failures)),
    }


def main():
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with MotoServer() as moto, Emulator("cdk.out", moto.url) as emulator:
        report = run_load(emulator, moto.url, requests)
    failed = report["requests"] - report["statuses"].get(200, 0)
    for key in ("requests", "kills", "statuses", "x_cache_of_failures"):
        print(f"{key:<34} {report[key]}")
    # Ratios hold across machines; the seconds are this machine's, this run's.
    print(f"{'failed / requests':<34} {failed / report['requests']:.4f}")
    print(f"{'failed / environments killed':<34} {failed / max(report['kills'], 1):.3f}")
    print(f"{'ok without a log line':<34} {len(report['ok_without_log'])}")
    print(f"{'failures not CloudFront-shaped':<34} {len(report['failures_not_cloudfront_shaped'])}")
    print(f"{'on this machine, this run':<34} {report['seconds']} s, "
          f"{report['requests_per_s']} requests/s")


if __name__ == "__main__":
    run(main)
