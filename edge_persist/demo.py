"""make demo: the whole pipeline on loopback, no AWS account.

Starts a moto server and the emulator on free loopback ports, runs verify.py on a schedule
that shows reuse, a KeyValueStore write reaching the edge, then an idle recycle, and a
sessions round; then, for each standard log the app writes, legacy or v2 (make demo
synthesizes it with both), replays the emulator's logs through the forecast and sets its hit
ratio beside the one verify measured. Stops everything it started, also on failure or Ctrl-C.
"""
import json
import sys
import time
from pathlib import Path

from edge_persist.emulator.services.motoserver import MotoServer
from edge_persist.emulator.server import Emulator
from edge_persist.errors import CliError, OneLineParser, UsageError
from edge_persist.forecast.__main__ import main as forecast
from edge_persist.verify.cli import main as verify

DEFAULT_OUT = "out/demo"
REGION = "eu-west-3"  # a viewer in Paris: its edge logs land in eu-west-3, not us-east-1
IDLE_TIMEOUT_S = 15.0
# Five requests 2 s apart (reuse), 22 s of silence (> the idle timeout: recycle), five more.
# After the second, a write to the KeyValueStore, which the viewer function sees 3 s later.
KVS_PROPAGATION_S = 3.0
SCHEDULE = ["--requests", "10", "--interval", "2", "--pause", "5:20", "--kvs-write", "now",
            "--kvs-write-at", "2"]
# Then per-session data: four sessions, one request at a time, half a second apart (standard
# logs give times to the second; the forecast spreads a second's lines over it).
SESSIONS = ["--sessions", "4", "--requests", "24", "--concurrency", "1", "--interval", "0.5"]
WHY = ("why not 100%: a session's first request finds nothing in edge memory and goes to "
       "the origin. And each execution environment has its own memory: with requests at "
       "the same time there are more environments, and a session's next request can land "
       "in one that never stored its data (python -m edge_persist.forecast shows how many).")


def build_parser():
    p = OneLineParser(prog="python -m edge_persist.demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--cdk-out", default="cdk.out",
                   help="the synthesized app to run (default: %(default)s; make demo synthesizes it)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="folder for the outputs file, reports and plots (default: %(default)s)")
    return p


def main(argv=None):
    started = time.monotonic()
    try:
        args = build_parser().parse_args(argv)
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        code = _run(args.cdk_out, out)
    except CliError as err:
        print(f"demo: {err}", file=sys.stderr)
        return err.exit_code
    written = sorted(p for p in out.iterdir() if p.is_file())
    print(f"\ndemo: finished in {time.monotonic() - started:.0f} s; wrote "
          f"{', '.join(str(p) for p in written)}")
    return code


def _run(cdk_out, out):
    # verify reads every endpoint (logs, KeyValueStore) from the outputs file's Emulator block.
    with MotoServer() as moto:
        with Emulator(cdk_out, moto.url, [REGION], idle_timeout=IDLE_TIMEOUT_S,
                      kvs_propagation=KVS_PROPAGATION_S) as emulator:
            outputs = out / "cdk-outputs.json"
            outputs.write_text(json.dumps(emulator.outputs(), indent=2))
            print(f"emulator: CloudFront {emulator.url}, ALB {emulator.alb_url}, "
                  f"CloudWatch Logs (moto) {moto.url}; idle timeout {IDLE_TIMEOUT_S:g} s; "
                  f"KeyValueStore {emulator.kvs_url}, writes reach the viewer function after "
                  f"{KVS_PROPAGATION_S:g} s")
            common = ["--outputs-file", str(outputs), "--log-timeout", "30"]
            code = verify([*common, *SCHEDULE, "--json", str(out / "report.json"),
                           "--plot", str(out / "timeline.png")])
            print("\nper-session data in edge memory (GET /session, 4 sessions, one at a "
                  "time):")
            sessions_code = verify([*common, *SESSIONS, "--json", str(out / "sessions.json"),
                                    "--plot", str(out / "sessions.png")])
            print(WHY)
            sources = emulator.standard_logs()
        # The emulator has stopped: it delivered its last standard logs on the way out.
        for name, args in _named(sources):
            replay_logs(name, args, moto.url, out)
        if not sources:
            print("\nthis app writes no standard logs: synthesize it with -c accessLogs=v2 "
                  "or -c accessLogs=legacy (make demo asks for both) to replay them through "
                  "the forecast")
    return code or sessions_code


def _named(sources):
    """(report name, forecast arguments) for each log source: forecast-from-logs for the
    legacy logs, forecast-from-logs-v2 for v2, numbered from the second of a kind."""
    seen = {}
    for _, kind, args in sources:
        seen[kind] = seen.get(kind, 0) + 1
        yield (f"forecast-from-logs{'' if kind == 'legacy' else '-' + kind}"
               f"{'' if seen[kind] == 1 else '-' + str(seen[kind])}", args)


def replay_logs(name, args, endpoint, out):
    """The forecast on the distribution's own standard logs, beside verify's measurement."""
    print(f"\nthe forecast, replaying the emulator's standard logs ({' '.join(args)}):")
    report = out / f"{name}.json"
    code = forecast([*args, "--endpoint-url", endpoint, "--idle-timeout", f"{IDLE_TIMEOUT_S:g}",
                     "--workers", "1", "--json", str(report)])
    if code:
        raise CliError(f"the forecast could not replay {' '.join(args)}")
    replayed = json.loads(report.read_text())["hit_ratio"]
    measured = json.loads((out / "sessions.json").read_text())["sessions"]["hit_ratio"]
    print(f"hit ratio: forecast from the logs {replayed:.1%}, verify measured {measured:.1%} "
          f"({replayed - measured:+.1%})")


if __name__ == "__main__":
    sys.exit(main())
