"""edge-persist: one command for every tool, from any folder.

    edge-persist emulate --app "python app.py" --watch
    edge-persist preflight cdk.out
    edge-persist verify --outputs-file cdk-outputs.json
    edge-persist forecast --from-access-logs s3://logs/prefix/
    edge-persist cleanup --stack-name EdgePersistStack

Each subcommand is the tool's own command line (`python -m edge_persist.<tool>` runs the same
one). A tool whose extra is not installed says which one, in one line.
"""
import importlib
import signal
import sys
from importlib.metadata import PackageNotFoundError, version

from edge_persist.contract import EXIT_USAGE
from edge_persist.errors import missing_extra

# subcommand -> (module with main(argv), the extra it needs or None, what it does); a module
# an extra brings and that is missing is one line naming the extra (errors.EXTRAS).
TOOLS = {
    "emulate": ("edge_persist.emulator.__main__", "emulator",
                "serve a synthesized CDK app's distributions on loopback (CloudFront, "
                "Lambda@Edge, CloudFront Functions, ALB, S3)"),
    "preflight": ("edge_persist.preflight", "lint",
                  "lint a cloud assembly or a template for Lambda@Edge and CloudFront "
                  "Functions mistakes before a deploy"),
    "verify": ("edge_persist.verify.cli", None,
               "probe a distribution and say whether, and for how long, edge memory "
               "persisted"),
    "forecast": ("edge_persist.forecast.__main__", "forecast",
                 "forecast the hit ratio of per-session data in edge memory for your traffic"),
    "cleanup": ("edge_persist.cleanup", None,
                "remove what cdk destroy leaves: the edge function and its regional log "
                "groups"),
}
def quiet_stop_until_started():
    """The emulator stops on SIGTERM or Ctrl-C with exit 0, from the first instant: during
    its imports (half a second) there is nothing to clean up yet; its main() then installs
    the handler that unwinds what it started."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(0))


def usage():
    lines = ["usage: edge-persist COMMAND [ARGS...]", "", __doc__.split("\n\n")[0], "",
             "commands:"]
    lines += [f"  {name:<10} {what}" for name, (_, _, what) in TOOLS.items()]
    lines += ["", "edge-persist COMMAND --help shows each command's own flags."]
    return "\n".join(lines)


def _version():
    try:
        return version("edge-persist")
    except PackageNotFoundError:
        return "(not installed)"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else EXIT_USAGE
    if argv[0] == "--version":
        print(f"edge-persist {_version()}")
        return 0
    if argv[0] not in TOOLS:
        print(f"edge-persist: no command {argv[0]!r}; one of {', '.join(TOOLS)} "
              "(see --help)", file=sys.stderr)
        return EXIT_USAGE
    module_name, _extra, _ = TOOLS[argv[0]]
    if argv[0] == "emulate":
        quiet_stop_until_started()
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        missing = missing_extra(err)
        if missing is None:
            raise
        print(f"edge-persist {argv[0]}: {missing}", file=sys.stderr)
        return EXIT_USAGE
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
