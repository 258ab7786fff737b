"""verify.py: probe the distribution, read the logs in every region, report what persisted."""
import argparse
import json
import math
import sys
import time
from pathlib import Path

import botocore.exceptions
from rich.console import Console

from edge_persist import contract, regions
from edge_persist.verify import kvs_report, kvs_write, logs, probes, render, report, target
from edge_persist.aws import Aws
from edge_persist.errors import (CliError, EvidenceError, OneLineParser, UsageError, from_aws,
                                  number, prepare_outputs)

# Logs are searched from a little before the first probe: clocks and log timestamps drift.
CLOCK_SLACK_MS = 60_000
# Waves sent after the planned ones while waiting for a KVS write, at most (with
# --interval 0 the time bound alone would allow a flood).
MAX_SETTLE_WAVES = 1000


def _pause(text):
    after, sep, seconds = text.partition(":")
    try:
        pause = int(after), float(seconds)
    except ValueError:
        pause = None
    if not sep or pause is None or pause[0] < 1 or not 0 <= pause[1] < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r} is not AFTER:SECONDS, e.g. 10:660")
    return pause


def build_parser():
    p = OneLineParser(prog="edge-persist verify", description=__doc__)
    where = p.add_argument_group("target (first that applies wins: --url, outputs file, stack)")
    where.add_argument("--outputs-file", default="cdk-outputs.json",
                       help="written by `cdk deploy --outputs-file` (default: %(default)s)")
    where.add_argument("--stack-name", help="the stack to verify: from the outputs file when it lists "
                            "it, else from CloudFormation (default: the outputs file's only stack)")
    where.add_argument("--url", help="probe this URL only, with no log phase (default: none)")
    probing = p.add_argument_group("probes")
    probing.add_argument("--requests", type=number(int, 1), default=20,
                         help="probes to send in all (default: %(default)s)")
    probing.add_argument("--interval", type=number(float, 0), default=3.0,
                         help="seconds between waves (default: %(default)s)")
    probing.add_argument("--concurrency", type=number(int, 1), default=1,
                         help="probes in flight at once, one wave (default: %(default)s)")
    probing.add_argument("--sessions", type=number(int, 0), default=0, metavar="N",
                         help="spread the probes over N sessions, round-robin, each a GET "
                              "/session with its ep_session cookie: measures the edge's "
                              "per-session store (default: off)")
    probing.add_argument("--pause", type=_pause, action="append", default=[],
                         metavar="AFTER:SECONDS",
                         help="stay silent SECONDS more after request AFTER, e.g. 10:660 to "
                              "test the 10-minute idle recycle (repeatable)")
    store = p.add_argument_group("key value store (the viewer function's storage)")
    store.add_argument("--kvs-write", metavar="VALUE",
                       help=f"write {contract.KVS_KEY} to the stack's KeyValueStore during the "
                            "run ('now': the current time), then probe until every region "
                            "shows it or --kvs-timeout passes")
    store.add_argument("--kvs-write-at", type=number(int, 0), metavar="N",
                       help="write after N probes (default: half of --requests)")
    store.add_argument("--kvs-timeout", type=number(float, 0), default=120.0,
                       metavar="SECONDS",
                       help="seconds after the write to keep probing for it (default: "
                            "%(default)s)")
    evidence = p.add_argument_group("logs")
    evidence.add_argument("--no-logs", action="store_true", help="judge from the answers only (default: read the logs too)")
    evidence.add_argument("--log-timeout", type=number(float, 0), default=180.0,
                          help="seconds to wait for origin log lines (default: %(default)s)")
    evidence.add_argument("--regions", default="all",
                          help="regions to scan for edge logs: 'all' or a comma list (default: %(default)s)")
    access = p.add_argument_group("AWS access")
    access.add_argument("--region", default=contract.HOME_REGION,
                        help="region of the stack and the origin logs (default: %(default)s)")
    access.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    access.add_argument("--endpoint-url", help="a local AWS-compatible endpoint (moto server); "
                        "default: the outputs file's Emulator block, else AWS")
    out = p.add_argument_group("output")
    out.add_argument("--json", metavar="PATH", help="write the report as JSON (default: none)")
    out.add_argument("--plot", metavar="PATH.png", help="draw the timeline (default: none)")
    out.add_argument("--no-progress", action="store_true", help="no progress bar (default: shown on a terminal)")
    return p


def _write_outputs(args, result):
    """Write --json and --plot; the name of each file that failed, with why."""
    failed = []
    writers = ((args.json, lambda path: Path(path).write_text(
                   json.dumps(result, indent=2, ensure_ascii=False))),
               (args.plot, lambda path: render.plot_timeline(result, path)))
    for path, write in writers:
        if not path:
            continue
        try:
            write(path)
        except (OSError, ValueError) as err:
            failed.append(f"could not write {path}: {getattr(err, 'strerror', None) or err}")
    return failed


def _collect_logs(aws, args, where, sent, scan_regions):
    start_ms = min(p["sent_at"] for p in sent) * 1000 - CLOCK_SLACK_MS
    client = aws.client("logs", args.region)
    try:
        found = logs.poll_origin(client, where.origin_log_group, [p["id"] for p in sent],
                                 start_ms, args.log_timeout)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        raise from_aws(err, f"reading {where.origin_log_group}") from None
    missing = [p["id"] for p in sent if p["id"] not in found]
    scans = logs.scan_regions(aws, scan_regions, contract.edge_log_group(where.edge_function),
                              where.distribution_id and
                              contract.cloudfront_edge_error_log_group(where.distribution_id),
                              start_ms, time.time() * 1000 + CLOCK_SLACK_MS,
                              stats=bool(args.sessions))
    return found, missing, scans


def run(args, console):
    try:
        scan_regions = regions.parse_regions(args.regions)
    except ValueError as err:
        raise UsageError(f"--regions: {err}") from None
    prepare_outputs(args.json, args.plot)
    aws = None if args.url else Aws(args.profile, target.endpoint_for(
        args.outputs_file, args.endpoint_url, needs_logs=not args.no_logs))
    where = target.resolve(args, aws)
    writer = _kvs_writer(args, where)
    with_logs = where.has_logs and not args.no_logs
    if with_logs and not aws.has_credentials():
        raise UsageError("no AWS credentials found for the log phase; set AWS_PROFILE, "
                         "pass --profile, or pass --no-logs")
    console.print(f"probing {where.url}: {args.requests} requests, {args.concurrency} at a time, "
                  f"every {args.interval:g} s"
                  + (f", over {args.sessions} sessions on {contract.SESSION_ROUTE}"
                     if args.sessions else ""), highlight=False)
    interrupted = False
    sent, found, scans, missing = [], None, None, None
    try:
        sent = probes.run(where.url, args.requests, args.interval, args.concurrency,
                          show_progress=not args.no_progress, pauses=dict(args.pause),
                          sessions=args.sessions, before_wave=writer,
                          certificate=where.certificate)
        _fail_if_unreachable(where.url, sent)
        if writer:
            sent += _until_settled(args, where, writer, sent, console)
        if with_logs:
            console.print(f"reading logs: origin in {args.region}, edge in "
                          f"{len(scan_regions)} region(s)", highlight=False)
            # A session hit is answered at the edge: it leaves no origin line to wait for.
            to_origin = [p for p in sent if p["status"] == 200
                         and p.get("session_state") != contract.SESSION_HIT]
            found, missing, scans = _collect_logs(aws, args, where, to_origin or sent,
                                                  scan_regions)
    except KeyboardInterrupt as err:
        interrupted = True
        sent = getattr(err, "probes", sent)  # Ctrl-C while probing carries the partial list
    result = report.analyse(where, sent, args.interval, found, scans, missing, interrupted,
                            sessions=args.sessions)
    written = writer.written if writer else None
    result.update(kvs_report.section(sent, len(result["environments"]), written,
                                     kvs_report.settled(sent, written) if written else None))
    if writer and writer.error:
        result["errors"].append(f"key value store write failed: {writer.error}")
    render.print_report(result, console)
    failed = _write_outputs(args, result)
    if failed:  # the report is on screen; the lost file is an evidence failure, not a verdict
        raise EvidenceError("; ".join(failed))
    if writer and writer.error:  # after the report: the write was asked for and failed
        raise writer.error
    return report.EXIT_CODES[result["verdict"]]


class _KvsWriter:
    """Writes the key once, before the first wave after `at` probes."""

    def __init__(self, aws, arn, value, at):
        self.aws, self.arn, self.value, self.at = aws, arn, value, at
        self.written = self.error = None

    def __call__(self, sent_so_far):
        if self.written is None and self.error is None and sent_so_far >= self.at:
            try:
                # `now` is the time of the write, not of the command line.
                self.written = kvs_write.write(self.aws, self.arn,
                                               kvs_write.value_for(self.value))
            except CliError as err:  # the probes go on: the report still has edge memory
                self.error = err


def _kvs_writer(args, where):
    if args.kvs_write is None:
        return None
    if not where.kvs_arn:
        raise UsageError("--kvs-write needs the stack's KeyValueStoreArn: pass the outputs "
                         "file of a stack deployed with this kit (not --url)")
    at = args.requests // 2 if args.kvs_write_at is None else args.kvs_write_at
    if at >= args.requests:
        raise UsageError(f"--kvs-write-at {at}: must be below --requests ({args.requests}), "
                         "or no probe would follow the write")
    # Locally the emulator's data plane answers apart from the logs endpoint.
    aws = Aws(args.profile, where.kvs_endpoint or args.endpoint_url)
    return _KvsWriter(aws, where.kvs_arn, args.kvs_write, at)


def _until_settled(args, where, writer, sent, console):
    """More waves, `--interval` apart, until every region shows the written value or
    --kvs-timeout passes since the write; bounded in count as well as time."""
    extra = []
    written = writer.written
    if written is None:
        return extra
    deadline = written.started_at + args.kvs_timeout
    waves = 0
    while not kvs_report.settled(sent + extra, written) and time.time() < deadline \
            and waves < MAX_SETTLE_WAVES:
        if waves == 0:
            console.print(f"waiting for the key value store write to reach every region "
                          f"(up to {args.kvs_timeout:g} s)", highlight=False)
        time.sleep(min(args.interval, max(0.0, deadline - time.time())))
        try:
            extra += probes.run(where.url, args.concurrency, args.interval, args.concurrency,
                                show_progress=False, certificate=where.certificate)
        except KeyboardInterrupt as err:  # the partial report keeps every probe sent
            err.probes = sent + extra + getattr(err, "probes", [])
            raise
        waves += 1
    return extra


def _fail_if_unreachable(url, sent):
    if sent and all(p["status"] is None for p in sent):
        raise EvidenceError(f"cannot reach {url}: {sent[0]['error']}")


def main(argv=None):
    # Piped output gets a wide table rather than rich's 80-column default.
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        args = build_parser().parse_args(argv)
        return run(args, console)
    except CliError as err:
        print(f"verify: {err}", file=sys.stderr)
        return err.exit_code
