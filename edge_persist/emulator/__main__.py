"""edge-persist emulate: serve a synthesized CDK app's CloudFront distributions on loopback
until Ctrl-C, with its Lambda@Edge functions, CloudFront Functions, ALBs and S3 origins."""
import argparse
import contextlib
import fcntl
import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

if __name__ == "__main__":  # python -m: quiet on a signal from the first instant, as the CLI
    from edge_persist.cli import quiet_stop_until_started
    quiet_stop_until_started()

from edge_persist import contract, edge_rules, regions  # noqa: E402 - after the handler
from edge_persist.aws import is_loopback
from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.cloudfront.viewers import COUNTRY_HEADER
from edge_persist.emulator.server import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_LIFETIME_S, Emulator
from edge_persist.emulator.services.function_logs import Terminal
from edge_persist.emulator.services.motoserver import MotoServer
from edge_persist.emulator.template import read_stacks
from edge_persist.emulator.frontend.tls import ViewerTls, cache_folder
from edge_persist.emulator.watch import Watcher, app_of, synthesize
from edge_persist.errors import CliError, OneLineParser, UsageError, number
from edge_persist.forecast.model import ROUTINGS

MAX_PORT = 65535
EXAMPLE = f"""examples:
  edge-persist emulate --cdk-out cdk.out
  edge-persist emulate --app "python app.py" --watch     # synthesize, and again on each save
  curl -H "{REGION_HEADER}: eu-west-3" -H "{COUNTRY_HEADER}: DE" http://127.0.0.1:PORT/

function logs: every function's output, errors and stacks are printed here as they happen,
  prefixed with [function region] (on by default on a terminal; --logs / --no-logs; -v adds
  START, END and REPORT); they also go to CloudWatch Logs in the local moto server, in the
  group and region Lambda@Edge uses, and to the control API (GET /emulator/logs).
control API (its address is Emulator.ApiEndpoint in the outputs file; JSON):
  GET /emulator/distributions, /emulator/functions, /emulator/environments,
  /emulator/logs?function=NAME; POST /emulator/reset, /emulator/recycle,
  /emulator/invalidate
request headers that steer the emulator (never forwarded):
  {REGION_HEADER}: REGION       the regional edge cache that serves the request
  {COUNTRY_HEADER}: CC  the viewer's country (geo restriction, CloudFront-Viewer-*)
"""


class Stopped(Exception):
    """SIGTERM or Ctrl-C: stop, cleaning up as on any exit."""


def build_parser():
    p = OneLineParser(prog="edge-persist emulate", description=__doc__, epilog=EXAMPLE,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cdk-out", default="cdk.out",
                   help="synthesized app to serve (default: %(default)s; --app synthesizes it)")
    p.add_argument("--app", nargs="?", const="", metavar="CMD",
                   help="synthesize the app with this command first, as the CDK CLI runs it "
                        "(without CMD: cdk.json's app; default: serve --cdk-out as it is)")
    p.add_argument("--watch", action="store_true",
                   help="synthesize again on every change to the app's sources and serve the "
                        "new app on the same ports and certificate (needs --app or cdk.json; "
                        "default: off)")
    p.add_argument("--stack-name", help="serve this stack only (default: every stack with a "
                                        "distribution)")
    p.add_argument("--regions", default=contract.HOME_REGION,
                   help="regional edge caches to emulate, comma-separated (default: %(default)s)")
    p.add_argument("--routing", choices=("client-ip", "round-robin", "first"),
                   default="client-ip",
                   help=f"how a request picks its region when {REGION_HEADER} is absent: by "
                        "the viewer's address, in turn, or always the first of --regions "
                        "(default: %(default)s)")
    p.add_argument("--env-routing", choices=ROUTINGS, default="mru",
                   help="which warm environment serves a request (default: %(default)s, as "
                        "the forecast assumes)")
    p.add_argument("--idle-timeout", type=number(float, 0), default=DEFAULT_IDLE_TIMEOUT_S,
                   help="seconds an idle environment lives (default: %(default)s)")
    p.add_argument("--max-lifetime", type=number(float, 0), default=DEFAULT_MAX_LIFETIME_S,
                   help="seconds any environment lives (default: %(default)s)")
    p.add_argument("--port", type=number(int, 1, MAX_PORT),
                   help="CloudFront port (default: a free one)")
    p.add_argument("--alb-port", type=number(int, 1, MAX_PORT),
                   help="ALB port (default: a free one)")
    p.add_argument("--origin", action="append", default=[], type=_origin_mapping,
                   metavar="DOMAIN=URL",
                   help="serve the custom origin DOMAIN from a local server, e.g. "
                        "api.example.com=http://127.0.0.1:8080 (repeatable)")
    p.add_argument("--concurrency-limit", type=number(int, 1),
                   default=edge_rules.DEFAULT_CONCURRENCY_LIMIT,
                   help="Lambda@Edge executions at once per region, past which requests "
                        "get 503 LambdaLimitExceeded (default: %(default)s)")
    p.add_argument("--kvs-propagation", type=number(float, 0),
                   default=edge_rules.KVS_DEFAULT_PROPAGATION_S, metavar="SECONDS",
                   help="seconds before a key value store write reaches the functions "
                        "(default: %(default)s; AWS publishes no figure)")
    p.add_argument("--enforce-compute", action="store_true",
                   help="answer 503 FunctionThrottledError when a CloudFront function uses "
                        "more than its compute budget (off: a shared machine is too noisy "
                        "for a 1 ms budget; default: off)")
    p.add_argument("--viewer-country", default="US", type=str.upper, metavar="CC",
                   help="the viewers' country for geo restriction and CloudFront-Viewer-Country "
                        f"(a request's {COUNTRY_HEADER} header wins; default: %(default)s)")
    p.add_argument("--logs-endpoint", type=_loopback,
                   help="a running moto server's URL, on loopback (default: start one)")
    p.add_argument("--outputs-file",
                   help="where to write the local URLs, as cdk deploy --outputs-file would "
                        "(default: cdk-outputs.json in a temporary folder, printed at start)")
    p.add_argument("--cert-dir",
                   help="where the HTTPS certificate is kept between starts (default: "
                        f"{cache_folder()})")
    p.add_argument("--logs", action=argparse.BooleanOptionalAction, default=None,
                   help="print every function's log lines here as they happen (default: on "
                        "when stderr is a terminal)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="with the function logs, their START, END and REPORT lines too "
                        "(default: off)")
    return p


def _origin_mapping(text):
    domain, sep, url = text.partition("=")
    try:
        split = urlsplit(url)
        port = split.port
    except ValueError:
        port = split = None
    if not sep or not domain or split is None or split.scheme not in ("http", "https") or \
            not is_loopback(url) or (split.port is None and ":" in split.netloc):
        raise argparse.ArgumentTypeError(f"{text!r} is not DOMAIN=http://127.0.0.1:PORT "
                                         "(a loopback URL, port 1 to 65535)")
    if port == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: port 0 is not a port to connect to")
    return domain, url


def _loopback(url):
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not is_loopback(url):
        raise argparse.ArgumentTypeError(f"{url!r} is not an http://127.0.0.1:PORT URL: the "
                                         "emulator talks to loopback only")
    return url


def _stop(*_):
    raise Stopped()


def _claim(outputs, stack):
    """Hold the outputs file for this emulator alone: a lock file beside it, kept for the
    emulator's life (the operating system drops it when the process ends)."""
    outputs.parent.mkdir(parents=True, exist_ok=True)
    lock_path = outputs.with_name(outputs.name + ".lock")
    lock = open(lock_path, "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        owner = lock.read().strip() or "another process"
        lock.close()
        raise UsageError(f"another emulator (pid {owner}) writes {outputs}; pass another "
                         "--outputs-file") from None
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    stack.callback(lambda: (lock.close(), lock_path.unlink(missing_ok=True)))


def _write(path, document):
    """Write a file whole, or not at all: a reader never sees half of it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(document, indent=2))
    os.replace(partial, path)


def serve(args, stack):
    try:
        chosen = regions.parse_regions(args.regions)
    except ValueError as err:
        raise UsageError(f"--regions: {err}") from None
    run_dir = Path(tempfile.mkdtemp(prefix="edge-persist-emulator-"))
    stack.callback(_tidy, run_dir)
    outputs = Path(args.outputs_file) if args.outputs_file else run_dir / "cdk-outputs.json"
    _claim(outputs, stack)
    app = args.app or (app_of(Path.cwd()) if args.app == "" or args.watch else None)
    if args.watch and not app:
        raise UsageError("--watch needs the app's command: --app CMD, or a cdk.json with "
                         "\"app\" in this folder")
    if args.app == "" and not app:
        raise UsageError("--app without a command needs a cdk.json with \"app\" in this "
                         "folder")
    cdk_out = synthesize(app, run_dir / "synth-0", Path.cwd()) if app else args.cdk_out
    mapped = dict(args.origin)
    models = read_stacks(cdk_out, args.stack_name, mapped)  # fails before moto starts
    tls = stack.enter_context(contextlib.closing(ViewerTls(args.cert_dir)))
    endpoint = args.logs_endpoint or stack.enter_context(MotoServer()).url
    show = sys.stderr.isatty() if args.logs is None else args.logs
    emulator = stack.enter_context(Emulator(
        cdk_out, endpoint, chosen, args.idle_timeout, args.max_lifetime,
        args.stack_name, args.port or 0, args.alb_port or 0, args.routing, models=models,
        origins=mapped, concurrency_limit=args.concurrency_limit,
        env_routing=args.env_routing, kvs_propagation=args.kvs_propagation,
        enforce_compute=args.enforce_compute, viewer_country=args.viewer_country, tls=tls,
        terminal=Terminal(args.verbose) if show else None, spill=str(run_dir)))
    _write(outputs, emulator.outputs())
    if args.watch:
        def reload(out):
            emulator.reload(out)
            _write(outputs, emulator.outputs())
        lock = outputs.with_name(outputs.name + ".lock")
        stack.callback(Watcher(app, Path.cwd(), run_dir, reload, _say,
                               ignore=[run_dir, outputs, lock]).start().stop)
    print(banner(emulator, chosen, endpoint, outputs, args, show), flush=True)
    try:
        while True:
            signal.pause()  # until SIGTERM or Ctrl-C raises Stopped
    finally:
        print("served: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                     for k, v in emulator.cloudfront.stats.items()), flush=True)


def banner(emulator, chosen, endpoint, outputs, args, show):
    """What the emulator serves, one line each, only what the app has."""
    lines = [f"CloudFront  {emulator.urls[t.logical_id]}  ({t.logical_id}: {distribution_id}; "
             f"regions: {', '.join(chosen)})" for distribution_id, t in emulator.tiers.items()]
    lines += [f"ALB         {url}  ({alb_id})" for alb_id, url in emulator.alb_urls.items()]
    lines.append(f"API         {emulator.api_url}  (control API: /emulator/functions, "
                 "/emulator/logs, /emulator/reset, ...; CreateInvalidation)")
    if emulator.stores.by_arn:
        lines.append(f"KVS         {emulator.kvs_url}  ({len(emulator.stores.by_arn)} key value "
                     f"stores; writes reach functions after {args.kvs_propagation} s)")
    lines += [f"logs        {endpoint}  (CloudWatch Logs and S3, moto)",
              f"certificate {emulator.certificate}  (curl --cacert, requests verify=)",
              f"outputs     {outputs}"]
    if args.watch:
        lines.append("watching    the app's sources: a save synthesizes and reloads it")
    lines.append("function logs below as they happen (--no-logs hides them)" if show else
                 "function logs: in CloudWatch Logs and the API (--logs prints them here)")
    lines.append(f"try:        edge-persist verify --outputs-file {outputs}")
    return "\n".join(lines)


def _say(line):
    print(f"emulator: {line}", file=sys.stderr, flush=True)


def _tidy(run_dir):
    """Remove the run's folder, unless it holds what the moto server did not take."""
    kept = [p for p in run_dir.iterdir() if p.name.startswith("undelivered")] \
        if run_dir.is_dir() else []
    if kept:
        _say(f"kept {run_dir}: it holds logs the moto server did not take")
        for path in run_dir.iterdir():
            if path not in kept:
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()
    else:
        shutil.rmtree(run_dir, ignore_errors=True)


def main(argv=None):
    # From the first instant: SIGTERM unwinds like Ctrl-C, through every cleanup below.
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with contextlib.ExitStack() as stack:
            return serve(build_parser().parse_args(argv), stack)
    except CliError as err:
        print(f"emulator: {err}", file=sys.stderr)
        return err.exit_code
    except Stopped:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
