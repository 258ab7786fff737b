"""Turn probes and log evidence into per-environment rows, a verdict and the report JSON."""
import statistics
from collections import Counter
from datetime import datetime, timezone

from edge_persist import contract

PERSISTED, NOT_PERSISTED, INCONCLUSIVE = "persisted", "not_persisted", "inconclusive"
EXIT_CODES = {PERSISTED: contract.EXIT_PERSISTED, NOT_PERSISTED: contract.EXIT_NOT_PERSISTED,
              INCONCLUSIVE: contract.EXIT_EVIDENCE}


def iso(epoch_s):
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(epoch_s, timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


class Analysis:
    """Collects sightings of each execution environment from every source."""

    def __init__(self):
        self.envs = {}
        self.errors = []
        self.contradictions = []  # evidence that disagrees with itself: never "persisted"

    def env(self, key):
        return self.envs.setdefault(key, {
            "env": None, "value": None, "region": None, "pops": set(), "times": [],
            "requests": 0, "sources": set(), "invocations": []})

    def add_probe(self, probe, log, value_to_env):
        """One successful probe, with its origin log line (ts_ms, obj) when found."""
        value = probe["custom_header"]
        obj = log[1] if log else {}
        if log and value and obj.get("custom_header") != value:
            self.contradictions.append(f"probe {probe['id']}: the answer echoed {value!r} but the origin "
                               f"logged {obj.get('custom_header')!r}")
        value = value or obj.get("custom_header")
        if not value:
            self.errors.append(f"probe {probe['id']}: no {contract.HEADER_SEEN} in the answer "
                               "and no origin log line: is the edge function associated?")
            return
        # A session hit names its environment itself; other answers through the origin log.
        env_id = obj.get("persist_env") or probe.get("persist_env") or value_to_env.get(value)
        probe["persist_env"] = env_id
        row = self.env(env_id or value)
        row["env"] = env_id
        row["value"] = row["value"] or value
        row["region"] = row["region"] or obj.get("persist_region")
        row["times"].append(probe["sent_at"])
        row["requests"] += 1
        row["sources"].add("response" if probe["custom_header"] else "origin_log")
        if probe["pop"]:
            row["pops"].add(probe["pop"])
        if log:
            row["sources"].add("origin_log")
            try:
                row["invocations"].append((log[0], int(obj.get("persist_invocation"))))
            except (TypeError, ValueError):
                self.contradictions.append(f"probe {probe['id']}: invocation counter "
                                   f"{obj.get('persist_invocation')!r} is not a number")

    def add_edge_init(self, region, ts_ms, obj):
        row = self.env(obj.get("env") or obj.get("dataToPersist"))
        row["env"] = row["env"] or obj.get("env")
        row["value"] = row["value"] or obj.get("dataToPersist")
        row["region"] = row["region"] or obj.get("region") or region
        row["times"].append(ts_ms / 1000)
        row["sources"].add("edge_log")

    def check_counters(self):
        for row in self.envs.values():
            seen = sorted(row["invocations"])
            for (_, before), (_, after) in zip(seen, seen[1:]):
                if after <= before:
                    self.contradictions.append(f"environment {row['env']}: invocation counter went from "
                                       f"{before} to {after}; it must only increase")
                    break

    def rows(self):
        out = []
        for row in self.envs.values():
            times = sorted(row["times"])
            out.append({
                "env": row["env"], "value": row["value"], "region": row["region"],
                "pops": sorted(row["pops"]), "first_seen": iso(times[0]),
                "last_seen": iso(times[-1]), "lifetime_s": round(times[-1] - times[0], 3),
                "requests": row["requests"], "sources": sorted(row["sources"]),
            })
        return sorted(out, key=lambda r: (r["first_seen"] or "", r["env"] or ""))


def analyse(target, probes, interval, origin_logs=None, scans=None, missing=None,
            interrupted=False, sessions=0):
    """Build the report. origin_logs/scans/missing are None when the log phase did not run."""
    analysis = Analysis()
    scans = scans or []
    edge_events = [(s["region"], ts, obj) for s in scans for ts, obj, _ in s["edge_init"]]
    value_to_env = {obj.get("dataToPersist"): obj.get("env") for _, _, obj in edge_events}
    ok = [p for p in probes if p["status"] == 200]
    for probe in ok:
        analysis.add_probe(probe, (origin_logs or {}).get(probe["id"]), value_to_env)
    for region, ts, obj in edge_events:
        analysis.add_edge_init(region, ts, obj)
    analysis.check_counters()
    for scan in scans:
        if scan["error"]:
            analysis.errors.append(scan["error"])
        analysis.errors.extend(f"CloudFront reported in {scan['region']}: {message}"
                               for _, message in scan["cloudfront_errors"])
    failed = [p for p in probes if p["status"] != 200]
    analysis.errors.extend(f"probe {p['id']}: {p['error']}" for p in failed[:20])
    rows = analysis.rows()
    # Edge logs are read from a minute before the first probe (clock slack), so they can
    # show environments of an earlier run: those served no probe of this one and are kept
    # apart, never in this run's table or verdict.
    serving = [r for r in rows if r["requests"]]
    earlier = [r for r in rows if not r["requests"]]
    summary = {
        "requests_ok": len(ok), "requests_failed": len(failed),
        "environments": len(serving),
        "max_lifetime_s": max((r["lifetime_s"] for r in serving), default=0.0),
        "reuse_ratio": round(1 - len(serving) / len(ok), 3) if ok else 0.0,
        "logs_found": len(origin_logs or {}), "logs_missing": len(missing or []),
        "edge_regions": sorted({s["region"] for s in scans if s["edge_init"]}),
    }
    verdict, sentence = _verdict(serving, summary, interval, analysis.contradictions,
                                 missing, interrupted)
    extra = {}
    if sessions:
        extra["sessions"] = sessions_block(sessions, ok, serving, scans)
        extra["sessions_sentence"] = sessions_sentence(extra["sessions"])
    return {
        "verdict": verdict, "sentence": sentence, "target": target.as_report(),
        "probes": [{**p, "sent_at": iso(p["sent_at"])} for p in probes],
        "environments": serving, "other_environments": earlier, "summary": summary,
        "missing_probes": list(missing or []),
        "errors": analysis.contradictions + analysis.errors,
        **extra,
    }


def _p50(values):
    return round(statistics.median(values), 1) if values else None


def sessions_block(count, ok, serving, scans):
    """How often a session found its data in the environment that served it, per region;
    evictions from the environments' latest edge_stats lines (None without logs)."""
    region_of = {r["env"]: r["region"] for r in serving}
    asked = [p for p in ok if p.get("session")]
    hits = [p for p in asked if p.get("session_state") == contract.SESSION_HIT]
    misses = [p for p in asked if p.get("session_state") != contract.SESSION_HIT]
    per_region = {}
    for probe in asked:
        region = probe.get("region") or region_of.get(probe.get("persist_env")) or "unknown"
        entry = per_region.setdefault(region, {"requests": 0, "hits": 0, "envs": set()})
        entry["requests"] += 1
        entry["hits"] += probe.get("session_state") == contract.SESSION_HIT
        entry["envs"].add(probe.get("persist_env"))
    latest = {}
    for scan in scans:
        for ts, obj, _ in scan.get("edge_stats") or []:
            if ts >= latest.get(obj.get("env"), (0, None))[0]:
                latest[obj.get("env")] = (ts, obj)
    return {
        "count": count, "requests": len(asked), "hits": len(hits),
        "misses": len(misses),
        "hit_ratio": round(len(hits) / len(asked), 3) if asked else 0.0,
        "p50_hit_ms": _p50([p["latency_ms"] for p in hits]),
        "p50_miss_ms": _p50([p["latency_ms"] for p in misses]),
        "per_region": {region: {"requests": e["requests"],
                                "hit_ratio": round(e["hits"] / e["requests"], 3),
                                "environments": len(e["envs"] - {None})}
                       for region, e in sorted(per_region.items())},
        "evictions": sum(int(obj.get("evictions") or 0) for _, obj in latest.values())
        if latest else None,
    }


def sessions_sentence(block):
    environments = sum(r["environments"] for r in block["per_region"].values())
    hit = f"{block['p50_hit_ms']} ms" if block["p50_hit_ms"] is not None else "none"
    miss = f"{block['p50_miss_ms']} ms" if block["p50_miss_ms"] is not None else "none"
    evicted = f"; {block['evictions']} evicted" if block["evictions"] else ""
    return (f"sessions: {block['hit_ratio']:.0%} of {block['requests']} requests found their "
            f"session in edge memory ({environments} environment"
            f"{'s' if environments != 1 else ''}); hits {hit} p50, misses {miss} p50 from the "
            f"origin{evicted}")


def _regions(rows):
    counts = Counter(r["region"] or "region unknown" for r in rows)
    return ", ".join(f"{region} x{n}" if n > 1 else region for region, n in sorted(counts.items()))


def _verdict(serving, summary, interval, contradictions, missing, interrupted):
    ok = summary["requests_ok"]
    if interrupted:
        return INCONCLUSIVE, f"interrupted after {ok + summary['requests_failed']} requests"
    if not ok:
        return INCONCLUSIVE, (f"no probe succeeded ({summary['requests_failed']} failed): "
                              "nothing can be said about persistence")
    if missing:
        return INCONCLUSIVE, (f"{len(missing)} of {ok + summary['requests_failed']} probes have "
                              "no origin log line yet: the evidence is incomplete")
    if not serving:
        return INCONCLUSIVE, (f"none of {ok} answers carried {contract.HEADER_VALUE}: the edge "
                              "function did not run or the origin did not echo it")
    if contradictions:
        return INCONCLUSIVE, f"the evidence contradicts itself: {contradictions[0]}"
    # Seen again strictly later, and at least --interval later: with --interval 0 two
    # answers in the same millisecond prove nothing.
    reused = [r for r in serving if r["requests"] >= 2 and r["lifetime_s"] > 0
              and r["lifetime_s"] >= interval]
    if reused:
        best = max(reused, key=lambda r: r["lifetime_s"])
        n = len(serving)
        return PERSISTED, (f"{contract.HEADER_VALUE} kept {best['value']} for "
                           f"{best['lifetime_s']:.1f} s across {ok} requests in {n} "
                           f"environment{'s' if n != 1 else ''} ({_regions(serving)})")
    return NOT_PERSISTED, (f"{contract.HEADER_VALUE} did not persist: {len(serving)} values in "
                           f"{ok} requests, none seen again {interval:g} s or more later")
