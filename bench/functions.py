"""What a viewer-request CloudFront Function adds to a request, as a ratio to the same request
without one, measured in the same run.

    .venv/bin/python -m bench.functions

One emulator in its own process serves the test app apps/functions_app.py, logs shipped to a
moto server. Two behaviors with the same origin and a one-hour cache policy, so every
measured request is a cache hit: /static/* has no function, /hit/* runs the Router function
(three key value store reads, a log line, four headers) in its node worker on every request.
This process is the load: 8 keep-alive connections, 2,000 requests per mode and round in 8
slices taken in turn (A B A B ...), three rounds.
"""
import tempfile
from pathlib import Path

from bench.common import stop_helper, run
from bench.emulator import measure, row_spread, start_emulator
from edge_persist.emulator.services.motoserver import MotoServer
from tests.integration.apps import functions_app

ROUNDS = 3
PATHS = {"no function": "/static/bench", "viewer-request function": "/hit/bench"}


def main():
    with MotoServer() as moto, tempfile.TemporaryDirectory() as tmp:
        assembly = Path(tmp) / "functions.out"
        functions_app.build(assembly).synth()
        process, outputs = start_emulator(moto.url, Path(tmp) / "outputs.json", assembly)
        try:
            host, port = outputs["DistributionUrl"].split("//")[1].split(":")
            targets = {mode: (host, int(port), path) for mode, path in PATHS.items()}
            rounds = [measure(targets) for _ in range(ROUNDS)]
        finally:
            stop_helper(process)
    with_fn, without = "viewer-request function", "no function"
    print(f"{ROUNDS} rounds, modes interleaved in slices after a warm-up; cache hits at "
          "concurrency 8; min / median / max over the rounds")
    row_spread("requests/s with the function / without, same round",
               [r[with_fn]["rps"] / r[without]["rps"] for r in rounds])
    row_spread("p50 with the function / without, same round",
               [r[with_fn]["p50"] / r[without]["p50"] for r in rounds])
    row_spread("p99 with the function / without, same round",
               [r[with_fn]["p99"] / r[without]["p99"] for r in rounds])
    row_spread("requests/s without a function (absolute, this machine)",
               [r[without]["rps"] for r in rounds], "req/s")
    print(f"non-200 answers: {sum(r[m]['errors'] for r in rounds for m in PATHS)}")


if __name__ == "__main__":
    run(main)
