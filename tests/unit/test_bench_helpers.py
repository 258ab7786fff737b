"""Benchmarks leave nothing behind: a helper and every process it started end together."""
import os
import subprocess
import sys
import time

from bench.common import start_helper, stop_helper
from edge_persist.emulator.environments.languages import node_binary

# A helper that starts a grandchild, as the emulator starts its environments and npm's node
# wrapper starts node, then ignores SIGTERM: the worst case for a clean stop.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is already gone, only not reaped
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_stop_ends_the_helper_and_its_children(monkeypatch):
    monkeypatch.setattr("bench.common.STOP_GRACE_S", 0.5)
    helper = start_helper([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    grandchild = int(helper.stdout.readline())
    assert _alive(grandchild)
    stop_helper(helper)
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert helper.returncode is not None
    assert not _alive(grandchild)


def test_node_helpers_run_node_itself_not_the_python_wrapper():
    helper = start_helper([node_binary(), "-e", "setTimeout(() => {}, 60000)"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    try:
        assert helper.poll() is None
        executable = os.readlink(f"/proc/{helper.pid}/exe")
        assert os.path.basename(executable) == "node"
        with open(executable, "rb") as program:
            assert program.read(4) == b"\x7fELF"  # a binary, not a wrapper script
    finally:
        stop_helper(helper)
    assert helper.returncode is not None
