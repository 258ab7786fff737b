"""edge-persist forecast: how often will edge memory hold a session's data?

    edge-persist forecast --rps 1000 --duration 3600 --sessions 50000 \\
        --session-requests 20 --regions us-east-1=0.5,eu-west-3=0.5 --json out/f.json --plot out/f.png
    edge-persist forecast --sweep rps=10,100,1000,10000 --plot out/sweep.png
    edge-persist forecast --from-report out/demo/sessions.json
    edge-persist forecast --from-access-logs s3://my-logs/cf/ --workers 2
"""
import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from edge_persist.errors import (CliError, EvidenceError, OneLineParser, UsageError, number,
                                  prepare_outputs, read_json)
from edge_persist.forecast import access_logs, calibrate, log_sources
from edge_persist.forecast.model import ROUTINGS, Parameters, simulate

SWEEPABLE = {"rps": float, "sessions": int, "session-requests": float}
# What-ifs over a distribution's own logs: its traffic is given, the rest is not.
LOG_SWEEPABLE = {"budget-mb": float, "ttl": float, "routing": str, "idle-timeout": float,
                 "max-lifetime": float}


def _regions(text):
    shares = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, share = part.partition("=")
        try:
            shares[name.strip()] = float(share) if sep else 1.0
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not REGION=SHARE") from None
    if not shares:
        raise argparse.ArgumentTypeError("no region given")
    return shares


def _duration_spec(text):
    """MS, or lognormal:MEAN,SIGMA."""
    kind, _, rest = text.partition(":")
    try:
        if not rest:
            return ("fixed", float(kind))
        mean, sigma = (float(v) for v in rest.split(","))
        if kind == "lognormal":
            return ("lognormal", mean, sigma)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not MS or lognormal:MEAN,SIGMA")


def _sweep(text):
    name, _, values = text.partition("=")
    kinds = {**SWEEPABLE, **LOG_SWEEPABLE}
    if name not in kinds:
        raise argparse.ArgumentTypeError(f"--sweep takes {', '.join(kinds)}, not {name!r}")
    try:
        return name, [kinds[name](v) for v in values.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{values!r} is not a comma list of numbers") from None


def build_parser():
    p = OneLineParser(prog="edge-persist forecast", description=__doc__,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    d = Parameters()
    traffic = p.add_argument_group("traffic")
    traffic.add_argument("--rps", type=number(float, 0), default=d.rps,
                         help="requests per second across all regions (default: %(default)s)")
    traffic.add_argument("--regions", type=_regions, default="us-east-1=1",
                         help="REGION=SHARE,... summing to 1 (default: us-east-1=1)")
    traffic.add_argument("--sessions", type=number(int, 1), default=d.sessions,
                         help="distinct session ids (default: %(default)s)")
    traffic.add_argument("--session-requests", type=number(float, 1), default=d.session_requests,
                         help="mean requests per session (default: %(default)s)")
    traffic.add_argument("--think-time", type=number(float, 0), default=d.think_time,
                         help="mean seconds between a session's requests (default: %(default)s)")
    traffic.add_argument("--duration", type=number(float, 0), default=d.duration,
                         help="seconds of traffic to simulate (default: %(default)s)")
    traffic.add_argument("--seed", type=int, default=d.seed,
                         help="random seed: the same seed gives the same answer (default: %(default)s)")
    lam = p.add_argument_group("Lambda")
    lam.add_argument("--hit-ms", type=_duration_spec, default="3", metavar="MS|lognormal:MEAN,SIGMA",
                     help="milliseconds a trigger takes when the session is in memory: a number, "
                          "or lognormal:MEAN,SIGMA (default: %(default)s)")
    lam.add_argument("--miss-ms", type=_duration_spec, default="50", metavar="MS|lognormal:MEAN,SIGMA",
                     help="milliseconds a request takes when it must ask the origin: a number, "
                          "or lognormal:MEAN,SIGMA (default: %(default)s)")
    lam.add_argument("--invoke-ms", type=number(float, 0), default=d.invoke_ms,
                     help="how long one trigger invocation holds an environment "
                          "(default: %(default)s)")
    lam.add_argument("--idle-timeout", type=number(float, 0), default=d.idle_timeout,
                     help="seconds an idle environment lives (default: %(default)s)")
    lam.add_argument("--max-lifetime", type=number(float, 0), default=d.max_lifetime,
                     help="seconds any environment lives, busy or not (default: %(default)s)")
    lam.add_argument("--lifetime-jitter", type=number(float, 0, 0.99), default=d.lifetime_jitter,
                     help="share by which each lifetime varies at random, 0 to 0.99 "
                          "(default: %(default)s)")
    lam.add_argument("--routing", choices=ROUTINGS, default=d.routing,
                     help="which warm environment serves (default: %(default)s, as the emulator)")
    lam.add_argument("--concurrency-limit", type=number(int, 1), default=d.concurrency_limit,
                     help="environments at once per region; past it requests are throttled "
                          "(default: %(default)s)")
    store = p.add_argument_group("store")
    store.add_argument("--budget-mb", type=number(float, 0), default=d.budget_mb,
                       help="megabytes of session data one environment keeps (default: %(default)s)")
    store.add_argument("--entry-bytes", type=number(int, 1), default=d.entry_bytes,
                       help="bytes one session's entry takes (default: %(default)s)")
    store.add_argument("--ttl", type=number(float, 0), default=d.ttl,
                       help="seconds an entry stays valid (default: %(default)s)")
    out = p.add_argument_group("output")
    out.add_argument("--json", metavar="PATH", help="write the forecast as JSON (default: none)")
    out.add_argument("--plot", metavar="PATH.png", help="draw the forecast (default: none)")
    out.add_argument("--sweep", type=_sweep, metavar="NAME=V1,V2,...",
                     help=f"run once per value of one of {', '.join(SWEEPABLE)} (default: one run)")
    out.add_argument("--from-report", metavar="REPORT.json",
                     help="calibrate from a verify --sessions report and compare (default: none)")
    logs = p.add_argument_group(
        "a distribution's own traffic (replaces the traffic flags above)")
    logs.add_argument("--from-access-logs", nargs="+", metavar="PATH",
                      help="replay CloudFront standard logs, legacy or v2: files, folders, "
                           "globs or s3://bucket/prefix/ (partitioned or not); W3C, JSON, "
                           "plain or Parquet, gzip or not (default: none)")
    logs.add_argument("--from-cloudwatch-logs", nargs="+", metavar="GROUP",
                      help="replay the standard logs (v2) a delivery writes to these "
                           "CloudWatch Logs groups (default: none)")
    logs.add_argument("--logs-region", default="us-east-1", metavar="REGION",
                      help="the region of --from-cloudwatch-logs groups (default: %(default)s)")
    logs.add_argument("--start", type=_instant, metavar="ISO-8601",
                      help="read CloudWatch Logs events from this time (default: the oldest)")
    logs.add_argument("--end", type=_instant, metavar="ISO-8601",
                      help="read CloudWatch Logs events up to this time (default: the newest)")
    logs.add_argument("--log-format", choices=access_logs.FORMATS, default="auto",
                      help="the logs' output format (default: told from the content)")
    logs.add_argument("--fields", type=lambda text: tuple(text.replace(",", " ").split()),
                      metavar="'date time ...'",
                      help="the field names of plain logs, in order: the delivery's "
                           "RecordFields (default: read from the logs)")
    logs.add_argument("--field-delimiter", metavar="TEXT",
                      help="the delivery's FieldDelimiter for plain and W3C logs (default: "
                           "tab, or told from the first line)")
    logs.add_argument("--endpoint-url", metavar="URL",
                      help="S3 and CloudWatch Logs endpoint, e.g. the emulator's moto server "
                           "(default: AWS)")
    logs.add_argument("--session-key", type=_session_key, default="cookie:ep_session",
                      metavar="cookie:NAME|ip|ip+ua",
                      help="what identifies a session in a log line (default: %(default)s; "
                           "cookies are logged only with the distribution's IncludeCookies)")
    logs.add_argument("--pop-regions", metavar="FILE",
                      help="JSON {airport code: region} over the built-in POP table "
                           "(default: the built-in table, docs/forecast.md)")
    logs.add_argument("--workers", type=number(int, 1), metavar="N",
                      help="Dask worker processes on this machine (default: its cores)")
    logs.add_argument("--scheduler", metavar="ADDRESS",
                      help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a "
                           "local cluster of --workers)")
    return p


def _instant(text):
    """An ISO 8601 time as epoch milliseconds (UTC unless it says otherwise)."""
    from datetime import datetime, timezone
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    return int((at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp() * 1000)


def _session_key(text):
    try:
        return access_logs.SessionKey.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parameters(args, **overrides):
    values = {"rps": args.rps, "regions": args.regions, "sessions": args.sessions,
              "session_requests": args.session_requests, "think_time": args.think_time,
              "duration": args.duration, "seed": args.seed, "hit_ms": args.hit_ms,
              "miss_ms": args.miss_ms, "invoke_ms": args.invoke_ms,
              "idle_timeout": args.idle_timeout,
              "max_lifetime": args.max_lifetime, "lifetime_jitter": args.lifetime_jitter,
              "routing": args.routing, "concurrency_limit": args.concurrency_limit,
              "budget_mb": args.budget_mb, "entry_bytes": args.entry_bytes, "ttl": args.ttl}
    values.update(overrides)
    try:
        return Parameters(**values).check()
    except ValueError as err:
        raise UsageError(str(err)) from None


def print_result(result, console):
    table = Table(title="Forecast", title_justify="left")
    for column in ("region", "requests", "hit ratio", "environments (peak)"):
        table.add_column(column, justify="right")
    for region, row in result["per_region"].items():
        table.add_row(region, f"{row['requests']:,}", f"{row['hit_ratio']:.1%}",
                      str(row["environments_peak"]))
    console.print(table)
    console.print(
        f"{result['hit_ratio']:.1%} of {result['requests']:,} requests would find their "
        f"session in edge memory; {result['environments']['mean']:g} environments on average "
        f"({result['environments']['peak']} at peak), {result['cold_starts']:,} cold starts; "
        f"{result['origin_reads_saved_per_s']:g} origin reads saved per second, "
        f"{result['mean_latency_saved_ms']:g} ms saved per request on average; "
        f"peak store {result['peak_store_bytes']:,} bytes per environment", soft_wrap=True,
        highlight=False)


def _write(path, text):
    try:
        Path(path).write_text(text)
    except OSError as err:
        raise EvidenceError(f"cannot write {path}: {err.strerror}") from None


def run_logs(args, console):
    """--from-access-logs / --from-cloudwatch-logs: the model on the distribution's own
    lines, on Dask."""
    from rich.progress import Progress

    from edge_persist.forecast import replay
    if args.sweep and args.sweep[0] not in LOG_SWEEPABLE:
        raise UsageError(f"--sweep {args.sweep[0]} changes the traffic, which the logs give; "
                         f"over logs sweep one of {', '.join(LOG_SWEEPABLE)}")
    pops = access_logs.read_pop_regions(args.pop_regions) if args.pop_regions else None
    locations = log_sources.expand(args.from_access_logs, args.endpoint_url) \
        if args.from_access_logs else []
    for group in args.from_cloudwatch_logs or ():
        locations += log_sources.log_streams(group, args.logs_region, args.endpoint_url,
                                             args.start, args.end)
    options = access_logs.ReadOptions(args.log_format, args.fields, args.field_delimiter)
    name, values = args.sweep or (None, [None])
    params_list = [parameters(args, regions={"us-east-1": 1.0},
                              **({name.replace("-", "_"): v} if name else {}))
                   for v in values]
    stderr = Console(stderr=True)
    # A bar only on a terminal: piped, it would leave blank lines around the one-line errors.
    with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bar, \
            replay.cluster(args.workers, args.scheduler) as client:
        task = bar.add_task(f"reading {len(locations)} log files", total=len(locations))
        results, summary = replay.replay(
            locations, params_list, args.session_key, pops, args.endpoint_url, client,
            progress=lambda lines: bar.update(task, advance=1, description=f"read +{lines:,} lines"),
            options=options)
    merged = [replay.merge(regions, params, summary)
              for regions, params in zip(results, params_list)]
    if not args.sweep:
        print_result(merged[0], console)
        console.print(f"{summary['lines_read']:,} lines read; skipped: "
                      + (", ".join(f"{n:,} {r.replace('_', ' ')}"
                                   for r, n in summary["lines_skipped"].items()) or "none"),
                      highlight=False)
        if args.json:
            _write(args.json, json.dumps(merged[0], indent=2))
        return 0
    for value, result in zip(values, merged):
        console.print(f"{name}={value}: hit ratio {result['hit_ratio']:.1%}, environments "
                      f"{result['environments']['mean']:g} mean", highlight=False)
    if args.json:
        _write(args.json, json.dumps({"sweep": name, "values": values, "results": merged,
                                      **summary}, indent=2))
    return 0


def run(args, console):
    prepare_outputs(args.json, args.plot)
    if args.from_access_logs or args.from_cloudwatch_logs:
        return run_logs(args, console)
    if args.from_report:
        found = calibrate.compare(read_json(args.from_report, "not a verify report"),
                                  parameters(args))
        console.print(found["sentence"], highlight=False, soft_wrap=True)
        if args.json:
            _write(args.json, json.dumps(found, indent=2))
        return 0
    if args.sweep:
        name, values = args.sweep
        results = [simulate(parameters(args, **{name.replace("-", "_"): v})) for v in values]
        for value, result in zip(values, results):
            console.print(f"{name}={value:g}: hit ratio {result['hit_ratio']:.1%}, "
                          f"environments {result['environments']['mean']:g} mean, "
                          f"{result['environments']['peak']} peak", highlight=False)
        if args.json:
            _write(args.json, json.dumps({"sweep": name, "values": values,
                                          "results": results}, indent=2))
        if args.plot:
            from edge_persist.forecast.plot import sweep_plot
            sweep_plot(name, values, results, args.plot)
        return 0
    result = simulate(parameters(args))
    print_result(result, console)
    if args.json:
        _write(args.json, json.dumps(result, indent=2))
    if args.plot:
        from edge_persist.forecast.plot import result_plot
        result_plot(result, args.plot)
    return 0


def main(argv=None):
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        return run(build_parser().parse_args(argv), console)
    except CliError as err:
        print(f"forecast: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
