"""python -m edge_persist.emulator: serve cdk.out/ on loopback until Ctrl-C."""
import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from edge_persist import contract, edge_rules, regions
from edge_persist.aws import is_loopback
from edge_persist.emulator.services.motoserver import MotoServer
from edge_persist.emulator.server import DEFAULT_IDLE_TIMEOUT_S, DEFAULT_MAX_LIFETIME_S, Emulator
from edge_persist.emulator.template import read_stacks
from edge_persist.forecast.model import ROUTINGS
from edge_persist.errors import CliError, OneLineParser, UsageError, number

MAX_PORT = 65535


def build_parser():
    p = OneLineParser(prog="edge-persist emulate", description=__doc__)
    p.add_argument("--cdk-out", default="cdk.out", help="synthesized app (default: %(default)s)")
    p.add_argument("--stack-name", help="serve this stack only (default: every stack with a "
                                        "distribution)")
    p.add_argument("--regions", default=contract.HOME_REGION,
                   help="regional edge caches to emulate, comma-separated (default: %(default)s)")
    p.add_argument("--routing", choices=("client-ip", "round-robin"), default="client-ip",
                   help="how a request picks its region when x-emulator-region is absent "
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
                        "(a request's x-emulator-viewer-country header wins; default: "
                        "%(default)s)")
    p.add_argument("--logs-endpoint", help="a running moto server's URL (default: start one)")
    p.add_argument("--outputs-file", default="out/emulator/cdk-outputs.json",
                   help="where to write the local URLs, as cdk deploy --outputs-file would "
                        "(default: %(default)s)")
    return p


def _origin_mapping(text):
    domain, sep, url = text.partition("=")
    split = urlsplit(url)
    if not sep or not domain or split.scheme not in ("http", "https") or \
            not is_loopback(url):
        raise argparse.ArgumentTypeError(f"{text!r} is not DOMAIN=http://127.0.0.1:PORT "
                                         "(a loopback URL)")
    return domain, url


def serve(args):
    try:
        chosen = regions.parse_regions(args.regions)
    except ValueError as err:
        raise UsageError(f"--regions: {err}") from None
    mapped = dict(args.origin)
    models = read_stacks(args.cdk_out, args.stack_name, mapped)  # fails before moto starts
    with contextlib.ExitStack() as stack:
        endpoint = args.logs_endpoint or stack.enter_context(MotoServer()).url
        emulator = stack.enter_context(Emulator(
            args.cdk_out, endpoint, chosen, args.idle_timeout, args.max_lifetime,
            args.stack_name, args.port or 0, args.alb_port or 0, args.routing, models=models,
            concurrency_limit=args.concurrency_limit, env_routing=args.env_routing,
            kvs_propagation=args.kvs_propagation, enforce_compute=args.enforce_compute,
            viewer_country=args.viewer_country))
        out = Path(args.outputs_file)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(emulator.outputs(), indent=2))
        distributions = "\n".join(f"CloudFront  {url}  ({dist_id}; regions: "
                                  f"{', '.join(chosen)})"
                                  for dist_id, url in emulator.urls.items())
        print(f"{distributions}\n"
              f"ALB         {emulator.alb_url}\n"
              f"API         {emulator.api_url}  (CreateInvalidation)\n"
              f"KVS         {emulator.kvs_url}  ({len(emulator.stores.by_arn)} key value "
              f"stores; writes reach functions after {args.kvs_propagation} s)\n"
              f"logs        {endpoint}\n"
              f"outputs     {out}\n"
              f"try: .venv/bin/python verify.py --outputs-file {out}",
              flush=True)
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        print("served: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                     for k, v in emulator.cloudfront.stats.items()))
    return 0


def main(argv=None):
    try:
        return serve(build_parser().parse_args(argv))
    except CliError as err:
        print(f"emulator: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
