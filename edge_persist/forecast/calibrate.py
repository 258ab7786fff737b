"""Calibrate the model from a verify --sessions report, and say how far it is.

From the report: the environments' observed lifetimes (each lived at least that long, so the
model's max lifetime is set to at least the longest), the environments per region, and the
session hit ratio. The report's own probes (when each was sent, for which session) are
replayed through the model, which then gives its hit ratio for them.
"""
import statistics
from dataclasses import replace
from datetime import datetime

from edge_persist.errors import UsageError
from edge_persist.forecast.model import simulate

WAVE_GAP_S = 0.010  # probes sent within 10 ms of each other went out in one wave
SEEDS = 20
JITTER = 0.5        # lognormal sigma of the measured durations: an assumption


def _ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def schedule_of(probes):
    """(concurrency, interval) of verify's waves, read from the probes' send times."""
    times = sorted(_ts(p["sent_at"]) for p in probes)
    waves = [[times[0]]]
    for t in times[1:]:
        if t - waves[-1][-1] <= WAVE_GAP_S:
            waves[-1].append(t)
        else:
            waves.append([t])
    gaps = [b[0] - a[0] for a, b in zip(waves, waves[1:])]
    return max(len(w) for w in waves), statistics.median(gaps) if gaps else 0.0


def replayed(probes):
    """((seconds since the first probe, session index), ...) of a report's session probes."""
    asked = [p for p in probes if p.get("session") and p.get("status") == 200]
    if not asked:
        raise UsageError("the report's probes carry no sessions: run edge-persist verify "
                         "with --sessions")
    first = min(_ts(p["sent_at"]) for p in asked)
    index = {}
    return tuple((_ts(p["sent_at"]) - first, index.setdefault(p["session"], len(index)))
                 for p in asked)


def compare(report, params):
    sessions = report.get("sessions") if isinstance(report, dict) else None
    if not sessions or not report.get("probes"):
        raise UsageError("the report has no sessions block: run edge-persist verify with "
                         "--sessions")
    lifetimes = [e["lifetime_s"] for e in report.get("environments", [])]
    measured_envs = {region: row["environments"] for region, row in
                     sessions["per_region"].items()}
    concurrency, interval = schedule_of(report["probes"])
    arrivals = replayed(report["probes"])
    hit_ms = sessions["p50_hit_ms"] or params.hit_ms[1]
    miss_ms = sessions["p50_miss_ms"] or params.miss_ms[1]
    region = next(iter(measured_envs), next(iter(params.regions)))
    calibrated = replace(
        params, regions={region: 1.0}, sessions=sessions["count"], arrivals=arrivals,
        hit_ms=("lognormal", hit_ms, JITTER), miss_ms=("lognormal", miss_ms, JITTER),
        invoke_ms=hit_ms,
        max_lifetime=max([params.max_lifetime] + lifetimes))
    # Invocations that start together finish in an order only jitter decides, so the model
    # runs with lognormal durations over several seeds and reports the mean.
    runs = [simulate(replace(calibrated, seed=seed)) for seed in range(SEEDS)]
    model = runs[0]
    model["hit_ratio"] = round(statistics.mean(r["hit_ratio"] for r in runs), 4)
    model["cold_starts"] = round(statistics.mean(r["cold_starts"] for r in runs), 1)
    gap = model["hit_ratio"] - sessions["hit_ratio"]
    sentence = (f"calibrated from {len(lifetimes)} environments (longest seen {max(lifetimes, default=0):g} s) "
                f"and {sessions['requests']} session requests in waves of {concurrency} every "
                f"{interval:.2f} s: model hit ratio {model['hit_ratio']:.1%}, measured "
                f"{sessions['hit_ratio']:.1%} ({gap:+.1%}); environments: model "
                f"{model['cold_starts']}, measured {sum(measured_envs.values())}")
    return {"measured": {"hit_ratio": sessions["hit_ratio"], "environments": measured_envs,
                         "lifetimes_s": lifetimes},
            "model": model, "hit_ratio_gap": round(gap, 4), "sentence": sentence}
