"""How fast the forecast simulates, and why it is a heap loop and not SimPy.

    .venv/bin/python -m bench.forecast

Three runs of the heap loop on 2 million requests (requests/s on one core), the peak memory
a run allocates at one and ten times the duration (it must not grow with requests), and
the same model driven by SimPy processes, in the same run: the ratio says why the heap loop
is the one shipped.
"""
import random
import statistics
import time
import tracemalloc

import simpy

from bench.common import row
from edge_persist.forecast.model import Parameters, Simulation

TRAFFIC = {"rps": 2000, "sessions": 50_000, "session_requests": 20, "think_time": 30,
           "regions": {"us-east-1": 0.5, "eu-west-3": 0.5}}
RUNS = 3


def heap_run(duration):
    sim = Simulation(Parameters(duration=duration, **TRAFFIC))
    started = time.perf_counter()
    result = sim.run()
    return result["requests"] / (time.perf_counter() - started), result


def traced_peak(duration):
    """(peak bytes allocated, entries held at the end) of a run at a quarter of the rate.
    The stores are the only state that grows, so bytes per entry must hold steady while the
    requests grow tenfold."""
    tracemalloc.start()
    try:
        sim = Simulation(Parameters(duration=duration, **{**TRAFFIC, "rps": 500}))
        sim.run()
        entries = sum(len(env[2]) for region in sim.regions.values()
                      for env in list(region.idle) + [e for _, _, e in region.busy])
        return tracemalloc.get_traced_memory()[1], entries
    finally:
        tracemalloc.stop()


def simpy_run(duration):
    """The same model, each active session a SimPy process."""
    p = Parameters(duration=duration, **TRAFFIC)
    sim = Simulation(p)
    env = simpy.Environment()
    rng = random.Random(p.seed)
    regions = list(sim.regions.values())
    weights = list(p.regions.values())
    counter = {"next_id": 0}

    def session_process():
        region = rng.choices(regions, weights)[0]
        session = counter["next_id"] % p.sessions
        counter["next_id"] += 1
        while True:
            yield env.timeout(rng.expovariate(1 / p.think_time))
            sim.serve(region, session, env.now)
            if rng.random() < 1 / p.session_requests:
                region = rng.choices(regions, weights)[0]
                session = counter["next_id"] % p.sessions
                counter["next_id"] += 1

    for _ in range(round(p.rps * p.think_time)):
        env.process(session_process())
    started = time.perf_counter()
    env.run(until=p.duration)
    requests = sum(r.requests for r in regions)
    return requests / (time.perf_counter() - started)


def main():
    rates = [heap_run(1000)[0] for _ in range(RUNS)]
    short, long_ = traced_peak(600), traced_peak(6000)
    simpy_rate = simpy_run(1000)
    print(f"heap loop, {TRAFFIC['rps'] * 1000:,} requests per run, {RUNS} runs "
          f"(min / median / max): {min(rates):,.0f} / {statistics.median(rates):,.0f} / "
          f"{max(rates):,.0f} requests/s  (target >= 200,000)")
    row("10 million requests would take (at the median rate)",
        10e6 / statistics.median(rates), "s", "< 60")
    row("peak memory, 300,000 requests", short[0] / 2**20, "MB")
    row("peak memory, 3,000,000 requests", long_[0] / 2**20, "MB")
    row("entries held, 300,000 / 3,000,000 requests", short[1], f"/ {long_[1]:,}")
    row("bytes per entry held, 3,000,000 / 300,000 requests",
        (long_[0] / long_[1]) / (short[0] / short[1]), "x", "~1: memory follows entries")
    row("SimPy version of the same model, 2,000,000 requests", simpy_rate, "requests/s",
        ">= 200,000 to be used")
    row("heap loop (median) / SimPy, same traffic, same run",
        statistics.median(rates) / simpy_rate, "x")


if __name__ == "__main__":
    main()
