"""Replay a distribution's standard logs through the forecast's model, on Dask.

Regions are independent: a session stays in its region, environments and throttling are per
region. So the work splits by source for reading (access_logs.parse_file, one task per file,
Parquet row group or CloudWatch Logs stream)
and by region for the replay (one task per region, fed only that region's lines of every
file). Each region replays with its own seed (the run's seed and the region's name), so the
answer is the same to the last digit whatever the number of workers. No task holds more than
one file's lines (reading) or one region's (replay).

`--workers N` starts a LocalCluster on this machine; `--scheduler ADDRESS` uses a running
cluster (`dask scheduler`, then `dask worker ADDRESS` on each machine); the workers then need
this project importable and, for s3:// paths, access to the bucket.
"""
import dataclasses
import logging
import os
import uuid
import zlib
from contextlib import contextmanager

from edge_persist.errors import optional
from edge_persist.forecast import access_logs
from edge_persist.forecast.model import Simulation



def region_seed(seed, region):
    return seed * 1_000_003 + zlib.crc32(region.encode())


def lines_of(part, region):
    """One file's lines of one region: what a region's replay is fed, and no more."""
    return part.by_region[region]


def replay_region(params, region, t0, *parts):
    """The model's answer for one region's lines (access_logs.Lines of every file),
    replayed in time order at their logged times, relative to t0 (the run's first line)."""
    import numpy
    numbers = {}  # session key -> one number for the whole region
    times = numpy.concatenate([numpy.zeros(0)] + [
        numpy.frombuffer(part.times, dtype=numpy.float64) for part in parts])
    sessions = numpy.concatenate([numpy.zeros(0, numpy.int64)] + [
        _numbered(part, numbers) for part in parts])
    precision = max((part.precision for part in parts if len(part.times)), default=1.0)
    at_times, order = _spread(times, precision)
    sim = Simulation(dataclasses.replace(params, regions={region: 1.0},
                                         seed=region_seed(params.seed, region)))
    state = sim.regions[region]
    serve, next_sample, last = sim.serve, 1.0, 0.0
    for logged, session in zip(at_times.tolist(), sessions[order].tolist()):
        at = logged - t0
        if at >= next_sample:  # environments sampled once a simulated second
            next_sample = sim.sample_until(at, next_sample)
        last = max(last, serve(state, session, at))
    sim.sample(max(next_sample - 1.0, last))
    sim.sessions_started = len(numbers)
    sim.params.duration = max(last, 1e-9)
    result = sim.result()
    result["sessions_seen"] = sim.sessions_started
    result["hits"] = state.hits  # exact, for merge(): the ratio above is rounded
    return result


def _numbered(part, numbers):
    """Each line of a file's Lines as its session's number in the region (`numbers`, session
    key -> number, grows with the sessions first seen here)."""
    import numpy
    local = numpy.array([numbers.setdefault(key, len(numbers)) for key in part.sessions],
                        dtype=numpy.int64)
    return local[numpy.frombuffer(part.codes, dtype=part.codes.typecode)]


def _spread(times, precision=1.0):
    """(the times in order, spread; the order, indices into `times`). Standard logs give the
    time to the second (or, with v2's timestamp(ms), to the millisecond): the lines of one
    such tick are spread evenly over it, in the order they were logged (an assumption: the
    logs say no more, and taking them as simultaneous would start an environment per
    line). On numpy arrays: a million lines a region are sorted and spread in C."""
    import numpy
    order = numpy.argsort(times, kind="stable")  # stable: a tick keeps the logged order
    ordered = times[order]
    starts = numpy.flatnonzero(numpy.r_[True, ordered[1:] != ordered[:-1]][:len(ordered)])
    counts = numpy.diff(numpy.r_[starts, len(ordered)])
    rank = numpy.arange(len(ordered)) - numpy.repeat(starts, counts)
    return ordered + precision * rank / numpy.repeat(counts, counts), order


def merge(results, params, summary):
    """One answer from the regions' answers, in the forecast's JSON shape."""
    regions = sorted(results)
    requests = sum(results[r]["requests"] for r in regions)
    hits = sum(results[r]["hits"] for r in regions)
    duration = max((results[r]["parameters"]["duration"] for r in regions), default=1e-9)
    saved_ms = (params.miss_ms[1] - params.hit_ms[1]) * hits / max(1, requests)
    return {
        "requests": requests,
        "sessions_seen": sum(results[r]["sessions_seen"] for r in regions),
        "hit_ratio": round(hits / requests, 4) if requests else 0.0,
        "environments": {"mean": round(sum(results[r]["environments"]["mean"]
                                           for r in regions), 2),
                         "peak": sum(results[r]["environments"]["peak"] for r in regions)},
        "cold_starts": sum(results[r]["cold_starts"] for r in regions),
        "throttled": sum(results[r]["throttled"] for r in regions),
        "evictions": sum(results[r]["evictions"] for r in regions),
        "per_region": {r: results[r]["per_region"][r] for r in regions},
        "origin_reads_saved_per_s": round(hits / duration, 3),
        "mean_latency_saved_ms": round(saved_ms, 3),
        "peak_store_bytes": max((results[r]["peak_store_bytes"] for r in regions), default=0),
        "parameters": {**{k: (list(v) if isinstance(v, tuple) else v)
                          for k, v in dataclasses.asdict(params).items()
                          if k not in ("regions", "schedule", "arrivals", "requests")},
                       "duration": round(duration, 3)},
        **summary,
    }


# Dask's diagnostics that nothing here reads (no dashboard, its logs silenced) cost CPU
# the replay needs: each worker's statistical profiler samples every 10 ms and every
# process's event loop checks itself every 20 ms. Idle, they take 2 to 5% of a core per
# process (bench.access_logs's clusters, psutil); a blocked loop is still noticed, in 1 s.
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s"}


@contextmanager
def cluster(workers=None, scheduler=None):
    """A Dask client: on `scheduler` when given, else on a LocalCluster of `workers`
    processes (default: this machine's cores), one thread each (the model is pure Python)."""
    distributed = optional("distributed")
    import dask
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if scheduler:
        with Client(scheduler, timeout=30) as client:
            yield client
        return
    # On loopback only: the scheduler, the workers and their nannies listen on 127.0.0.1.
    # The scheduler's HTTP endpoint (health, metrics; no dashboard) takes a free port: on
    # Dask's default 8787 a second run beside another cluster would warn on stderr.
    # A task's failure (a log without #Fields) reaches the user as one line through the client:
    # the workers' own report of it, traceback and all, is kept quiet.
    with dask.config.set(QUIET), \
            LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                         processes=True, host="127.0.0.1", dashboard_address=None,
                         scheduler_kwargs={"dashboard": False,
                                           "dashboard_address": "127.0.0.1:0"},
                         silence_logs=logging.CRITICAL) as local, \
            Client(local) as client:
        yield client


def replay(locations, params_list, session_key, pop_regions=None, endpoint_url=None,
           client=None, progress=None, options=access_logs.ReadOptions()):
    """Read every source once (log_sources.py: a file, a Parquet row group, a CloudWatch
    Logs stream), then replay each region under every Parameters of params_list (one for a
    plain run, several for a sweep). Returns (results, summary)."""
    run = uuid.uuid4().hex[:8]  # keys of their own: a shared scheduler may hold older runs
    parsed = client.map(access_logs.parse_file, locations, session_key=session_key,
                        pop_regions=pop_regions, endpoint_url=endpoint_url, options=options,
                        key=[f"parse-{run}-{i}" for i in range(len(locations))])
    summaries = client.map(_summary, parsed)
    index = {future.key: i for i, future in enumerate(summaries)}
    total = {"lines_read": 0, "lines_skipped": {}, "cookies_logged": 0, "regions": {}}
    # region -> {file's index: its lines of the region}, asked for as each file is read
    by_region = {}
    for future in optional("distributed").as_completed(summaries):
        part, i = future.result(), index[future.key]
        total["lines_read"] += part["lines_read"]
        total["cookies_logged"] += part["cookies_logged"]
        for reason, n in part["skipped"].items():
            total["lines_skipped"][reason] = total["lines_skipped"].get(reason, 0) + n
        for region, (count, first) in part["regions"].items():
            known = total["regions"].get(region, (0, first))
            total["regions"][region] = (known[0] + count, min(known[1], first))
            by_region.setdefault(region, {})[i] = client.submit(
                lines_of, parsed[i], region, key=f"lines-{run}-{i}-{region}")
        if progress:
            progress(part["lines_read"])
    if session_key.kind == "cookie" and total["lines_read"] and not total["cookies_logged"]:
        raise access_logs.UsageError(
            f"no line has a cookie, so --session-key cookie:{session_key.cookie} finds no "
            "session: the distribution logs without cookies (Logging IncludeCookies); use "
            "--session-key ip or ip+ua")
    t0 = min((first for _, first in total["regions"].values()), default=0.0)
    regions = sorted(total["regions"])
    # in file order, whatever order the files were read in: a tick's lines keep theirs
    by_region = {r: [files[i] for i in sorted(files)] for r, files in by_region.items()}
    # Each region's replay on a worker of its own, in turn: left to itself, the scheduler
    # may put two next to the same data, and one worker would replay both while another
    # waits. Its lines come from every worker either way.
    workers = sorted(client.scheduler_info().get("workers", {})) or [None]
    results = []
    for n, params in enumerate(params_list):
        futures = {r: client.submit(replay_region, params, r, t0, *by_region[r],
                                    key=f"replay-{run}-{n}-{r}",
                                    workers=workers[(i + n) % len(workers)],
                                    allow_other_workers=True)
                   for i, r in enumerate(regions)}
        results.append({r: f.result() for r, f in futures.items()})
    summary = {"source": "access-logs", "lines_read": total["lines_read"],
               "lines_skipped": dict(sorted(total["lines_skipped"].items()))}
    return results, summary


def _summary(part):
    """What the client needs of a parsed file: counts, and each region's size and first time."""
    return {"lines_read": part.lines_read, "skipped": part.skipped,
            "cookies_logged": part.cookies_logged,
            "regions": {r: (len(lines.times), min(lines.times))
                        for r, lines in part.by_region.items() if len(lines.times)}}
