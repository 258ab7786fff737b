"""How fast the forecast simulates, as ratios to two baselines measured in the same round.

    .venv/bin/python -m bench.forecast

Each round runs, back to back on the same traffic (2 million requests, one core):
- the forecast's model (a heap loop);
- the same model driven by SimPy processes: the ratio says why the heap loop is shipped;
- a bare `heapq` loop over the same number of events, with no model at all: the floor of any
  event simulation in Python, so model/floor is the share of the floor the model reaches.
Three rounds, min / median / max. Then the peak memory a run allocates at one and ten times
the duration: it must follow the entries held, not the requests.
"""
import heapq
import random
import statistics
import time
import tracemalloc

import simpy

from bench.common import row, run
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


def bare_heap_run(duration):
    """Events per second of a heapq loop with the model's arrival process and nothing else:
    each active session waits an exponential think time, is popped, and is pushed again."""
    p = Parameters(duration=duration, **TRAFFIC)
    rng = random.Random(p.seed)
    rate = 1 / p.think_time
    queue = [(rng.expovariate(rate), i) for i in range(round(p.rps * p.think_time))]
    heapq.heapify(queue)
    events = 0
    started = time.perf_counter()
    while queue[0][0] < p.duration:
        now, session = heapq.heappop(queue)
        events += 1
        heapq.heappush(queue, (now + rng.expovariate(rate), session))
    return events / (time.perf_counter() - started)


def spread(values):
    return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values), max(values)))


def main():
    rounds = []
    for _ in range(RUNS):
        rounds.append({"model": heap_run(1000)[0], "simpy": simpy_run(1000),
                       "floor": bare_heap_run(1000)})
    short, long_ = traced_peak(600), traced_peak(6000)
    print(f"{RUNS} rounds of {TRAFFIC['rps'] * 1000:,} requests per mode; min / median / max")
    print(f"{'model / bare heapq loop (share of the floor), same round':<58} "
          f"{spread([r['model'] / r['floor'] for r in rounds])} x")
    print(f"{'model / the same model on SimPy, same round':<58} "
          f"{spread([r['model'] / r['simpy'] for r in rounds])} x")
    row("bytes per entry held, 3,000,000 / 300,000 requests",
        (long_[0] / long_[1]) / (short[0] / short[1]), "x", "~1: memory follows entries")
    row("entries held, 3,000,000 / 300,000 requests", long_[1] / short[1], "x")
    rates = [r["model"] for r in rounds]
    print(f"on this machine, this run: the model simulated {statistics.median(rates):,.0f} "
          "requests/s (median); not comparable across machines")


if __name__ == "__main__":
    run(main)
