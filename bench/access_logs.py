"""How fast the forecast replays standard logs on Dask, with 1 and 2 workers in one run.

    .venv/bin/python -m bench.access_logs [LINES]

Generates LINES (default 2,000,000) log lines with a known answer: two regions, each line a
Miss of one of 5,000 sessions per region, ten a second, so one environment serves each
region and the hit ratio is 1 - sessions / lines in each (the replay must find exactly
that). Eight gzip files, both regions in each, as CloudFront mixes its POPs in a file. Then
three rounds, 1 worker and 2 workers in turn (A B A B), each timed from the first file read
to the last region's answer (the cluster is started before); and, as the baseline of each
round, a bare loop in this process that reads the same files and splits every line (the
floor of any Python reader of this format). Ratios: 2 workers / 1 worker, and lines/s per
worker / the bare loop; min / median / max over the rounds.
"""
import gzip
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

from edge_persist import regions
from edge_persist.forecast import access_logs, replay
from edge_persist.forecast.model import Parameters
from bench.common import run

REGIONS = ("us-east-1", "eu-west-3")
SESSIONS = 5_000       # per region
PER_SECOND = 10        # per region: 100 ms apart, never two at once
FILES = 8
ROUNDS = 3
START = datetime(2026, 11, 30, tzinfo=timezone.utc)
# Nothing expires during the replay, so the closed form holds exactly.
PARAMS = Parameters(idle_timeout=1e9, max_lifetime=1e9, ttl=1e9)


def generate(folder, lines):
    """FILES gzip files of `lines` lines in all; returns each region's line count."""
    per_region = lines // len(REGIONS)
    template = access_logs.line({name: "-" for name in access_logs.FIELDS}).rstrip("\n")
    fields = template.split("\t")
    col = {name: i for i, name in enumerate(access_logs.FIELDS)}
    per_file = per_region // FILES
    for f in range(FILES):
        rows = []
        for n in range(f * per_file, (f + 1) * per_file):
            at = START + timedelta(seconds=n / PER_SECOND)
            for r, region in enumerate(REGIONS):
                fields[col["date"]], fields[col["time"]] = at.strftime("%Y-%m-%d"), \
                    at.strftime("%H:%M:%S")
                fields[col["x-edge-location"]] = regions.EMULATOR_POPS[region]
                fields[col["x-edge-result-type"]] = "Miss"
                fields[col["cs(Cookie)"]] = f"ep_session=r{r}s{n % SESSIONS};%20theme=dark"
                rows.append("\t".join(fields))
        with gzip.open(folder / f"E1.2026-11-30-{f:02d}.b{f}.gz", "wt", compresslevel=1) as out:
            out.write(access_logs.header() + "\n".join(rows) + "\n")
    return per_file * FILES


def bare_loop(paths):
    """Lines per second of reading the files and splitting every line, nothing else."""
    started, count = time.perf_counter(), 0
    for path in paths:
        with gzip.open(path, "rt") as lines:
            for line in lines:
                line.split("\t")
                count += 1
    return count / (time.perf_counter() - started)


def timed_replay(client, paths, key):
    started = time.perf_counter()
    (regions_result,), summary = replay.replay(paths, [PARAMS], key, client=client)
    return time.perf_counter() - started, regions_result, summary


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    key = access_logs.SessionKey.parse("cookie:ep_session")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_region = generate(folder, lines)
        paths = sorted(str(p) for p in folder.iterdir())
        total = per_region * len(REGIONS)
        expected = round(1 - SESSIONS / per_region, 4)
        rounds = []
        # Two clusters at once: the second's scheduler finds the first on the default HTTP
        # port and says so; it takes another loopback port, which is all it needs.
        warnings.filterwarnings("ignore", message="(?s).*already have a cluster running")
        with replay.cluster(workers=1) as one, replay.cluster(workers=2) as two:
            for _ in range(ROUNDS):
                found = {"floor": bare_loop(paths)}
                for name, client in (("1", one), ("2", two)):
                    seconds, result, summary = timed_replay(client, paths, key)
                    assert summary["lines_read"] == total, summary
                    for region in REGIONS:  # the known answer, to the last digit
                        assert result[region]["hit_ratio"] == expected, (region, result[region])
                    found[name] = total / seconds
                rounds.append(found)
    def spread(values):
        return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values),
                                                 max(values)))
    print(f"{total:,} lines, {len(REGIONS)} regions, {FILES} gzip files; known hit ratio "
          f"{expected} per region, found by every replay; {ROUNDS} rounds, min / median / max")
    print(f"{'2 workers / 1 worker, lines/s, same round':<52} "
          f"{spread([r['2'] / r['1'] for r in rounds])} x  (goal >= 1.7)")
    print(f"{'1 worker / bare read-and-split loop, same round':<52} "
          f"{spread([r['1'] / r['floor'] for r in rounds])} x")
    print(f"{'2 workers per worker / bare loop, same round':<52} "
          f"{spread([r['2'] / 2 / r['floor'] for r in rounds])} x")
    print(f"on this machine, this run: {statistics.median(r['1'] for r in rounds):,.0f} lines/s "
          f"with 1 worker, {statistics.median(r['2'] for r in rounds):,.0f} with 2 "
          "(goal >= 200,000 per worker); not comparable across machines")


if __name__ == "__main__":
    run(main)
