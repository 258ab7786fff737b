"""How fast the forecast replays standard logs on Dask, with 1 and 2 workers, W3C text and
Parquet, in one run.

    .venv/bin/python -m bench.access_logs [LINES]

Generates LINES (default 2,000,000) log lines with a known answer: two regions, each line a
Miss of one of 5,000 sessions per region, ten a second, so one environment serves each
region and the hit ratio is 1 - sessions / lines in each (the replay must find exactly
that). The same lines twice: eight gzip W3C files of the legacy fields, both regions in each,
as CloudFront mixes its POPs in a file; and eight Parquet files of a v2 delivery's fields
(the forecast's four among twelve, as text columns, as the emulator writes them), in row
groups of ROW_GROUP lines. After a warm-up (one untimed replay of each format on each cluster,
where the workers first import pyarrow and numpy), ROUNDS (5) rounds; in each, in turn: a bare
loop in this process that reads the W3C files and splits every line (the floor of any Python
reader of that format), then W3C and Parquet each with 1 worker and 2 workers, each timed from
the first read to the last region's answer (the clusters are started before), and each format's
read stage alone on 1 worker (the part the format changes: the model's replay after it is the
same for both). Ratios, min / median / max over the rounds: 2 workers / 1 worker for each
format; Parquet / W3C lines read per second, and whole replays, with one worker; W3C per
worker / the bare loop.
"""
import gzip
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from edge_persist import regions
from edge_persist.forecast import access_logs, log_sources, replay
from edge_persist.forecast.model import Parameters
from bench.common import run

REGIONS = ("us-east-1", "eu-west-3")
SESSIONS = 5_000       # per region
PER_SECOND = 10        # per region: 100 ms apart, never two at once
FILES = 8
ROUNDS = 5
ROW_GROUP = 131_072
# A v2 delivery's fields: the forecast reads four of them.
V2_FIELDS = ("timestamp(ms)", "date", "time", "x-edge-location", "c-ip", "cs(Cookie)",
             "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type",
             "x-edge-request-id", "cs(User-Agent)")
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


def generate_parquet(folder, lines):
    """The same lines as `generate`, as FILES Parquet files of V2_FIELDS."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    per_file = lines // len(REGIONS) // FILES
    start_ms = int(START.timestamp() * 1000)
    for f in range(FILES):
        numbers = [n for n in range(f * per_file, (f + 1) * per_file) for _ in REGIONS]
        columns = {
            "timestamp(ms)": [str(start_ms + n * 1000 // PER_SECOND) for n in numbers],
            "x-edge-location": [regions.EMULATOR_POPS[REGIONS[i % 2]]
                                for i in range(len(numbers))],
            "cs(Cookie)": [f"ep_session=r{i % 2}s{n % SESSIONS};%20theme=dark"
                           for i, n in enumerate(numbers)],
            "x-edge-result-type": ["Miss"] * len(numbers),
        }
        for name in V2_FIELDS:
            columns.setdefault(name, ["-"] * len(numbers))
        # date and time as CloudFront gives them, though timestamp(ms) is what is read
        stamps = [(START + timedelta(seconds=n / PER_SECOND)) for n in numbers]
        columns["date"] = [t.strftime("%Y-%m-%d") for t in stamps]
        columns["time"] = [t.strftime("%H:%M:%S") for t in stamps]
        table = pa.table({name: pa.array(columns[name], pa.string()) for name in V2_FIELDS})
        pq.write_table(table, folder / f"E1.2026-11-30-{f:02d}.p{f}.parquet",
                       row_group_size=ROW_GROUP)


def bare_loop(paths):
    """Lines per second of reading the files and splitting every line, nothing else."""
    started, count = time.perf_counter(), 0
    for path in paths:
        with gzip.open(path, "rt") as lines:
            for line in lines:
                line.split("\t")
                count += 1
    return count / (time.perf_counter() - started)


def timed_read(client, paths, key):
    """Seconds the workers take to read every file (the replay's first stage alone: what
    the format changes), and the lines they read."""
    started = time.perf_counter()
    parsed = client.map(access_logs.parse_file, paths, session_key=key, pure=False)
    read = sum(client.gather(client.map(_lines_read, parsed, pure=False)))
    return time.perf_counter() - started, read


def _lines_read(parsed):
    return parsed.lines_read


def timed_replay(client, paths, key):
    started = time.perf_counter()
    (regions_result,), summary = replay.replay(paths, [PARAMS], key, client=client)
    return time.perf_counter() - started, regions_result, summary


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    key = access_logs.SessionKey.parse("cookie:ep_session")
    with tempfile.TemporaryDirectory() as tmp:
        w3c_folder, parquet_folder = Path(tmp) / "w3c", Path(tmp) / "parquet"
        w3c_folder.mkdir()
        parquet_folder.mkdir()
        per_region = generate(w3c_folder, lines)
        generate_parquet(parquet_folder, lines)
        paths = {"w3c": sorted(str(p) for p in w3c_folder.iterdir()),
                 "parquet": log_sources.expand([str(parquet_folder)])}  # its row groups
        total = per_region * len(REGIONS)
        expected = round(1 - SESSIONS / per_region, 4)
        rounds = []
        with replay.cluster(workers=1) as one, replay.cluster(workers=2) as two:
            for fmt in paths:
                for client in (one, two):
                    timed_replay(client, paths[fmt], key)
            for _ in range(ROUNDS):
                found = {"floor": bare_loop(paths["w3c"])}
                for fmt in ("w3c", "parquet"):
                    for name, client in (("1", one), ("2", two)):
                        seconds, result, summary = timed_replay(client, paths[fmt], key)
                        assert summary["lines_read"] == total, summary
                        for region in REGIONS:  # the known answer, to the last digit
                            assert result[region]["hit_ratio"] == expected, (fmt, region)
                        found[fmt + name] = total / seconds
                    seconds, read = timed_read(one, paths[fmt], key)
                    assert read == total, (fmt, read)
                    found[fmt + "-read"] = total / seconds
                rounds.append(found)

    def spread(values):
        return " / ".join(f"{v:.2f}" for v in (min(values), statistics.median(values),
                                                 max(values)))

    def row(label, values, goal=""):
        print(f"{label:<56} {spread(values)} x{goal}")
    print(f"{total:,} lines, {len(REGIONS)} regions; {FILES} gzip W3C files and {FILES} "
          f"Parquet files ({len(paths['parquet'])} row groups); known hit ratio {expected} per "
          f"region, found by every replay; {ROUNDS} rounds, min / median / max")
    row("W3C: 2 workers / 1 worker, lines/s, same round", [r["w3c2"] / r["w3c1"] for r in rounds],
        "  (goal >= 1.7)")
    row("Parquet: 2 workers / 1 worker, lines/s, same round",
        [r["parquet2"] / r["parquet1"] for r in rounds], "  (goal >= 1.7)")
    row("Parquet / W3C, lines read per second, 1 worker, same round",
        [r["parquet-read"] / r["w3c-read"] for r in rounds], "  (goal >= 2)")
    row("Parquet / W3C, whole replay (read and model), 1 worker",
        [r["parquet1"] / r["w3c1"] for r in rounds])
    row("W3C 1 worker / bare read-and-split loop, same round",
        [r["w3c1"] / r["floor"] for r in rounds])
    print(f"on this machine, this run (medians), whole replay: W3C {_median(rounds, 'w3c1'):,.0f} "
          f"lines/s with 1 worker, {_median(rounds, 'w3c2'):,.0f} with 2; Parquet "
          f"{_median(rounds, 'parquet1'):,.0f} with 1, {_median(rounds, 'parquet2'):,.0f} with "
          f"2 (goal >= 200,000 per worker); reading alone, 1 worker: W3C "
          f"{_median(rounds, 'w3c-read'):,.0f}, Parquet {_median(rounds, 'parquet-read'):,.0f}; "
          "not comparable across machines")


def _median(rounds, name):
    return statistics.median(r[name] for r in rounds)


if __name__ == "__main__":
    run(main)
