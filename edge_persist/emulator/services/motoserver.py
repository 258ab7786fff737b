"""A moto server on a free loopback port, in its own process: CloudWatch Logs for the emulator."""
import os
import socket
import subprocess
import sys
import threading
import time

import requests

from edge_persist.emulator.children import project_env
from edge_persist.errors import EvidenceError

START_TIMEOUT_S = 30.0
# How often the server checks that the process that started it is still alive.
WATCH_PARENT_EVERY_S = 0.5


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.port), str(os.getpid())],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=project_env(),
            # Its own process group: a Ctrl-C at the terminal must not kill it before the
            # emulator has shipped its last logs; stop() ends it.
            process_group=0)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EvidenceError(f"moto server exited with {self.process.returncode}")
            try:
                requests.get(f"{self.url}/moto-api/", timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise EvidenceError(f"moto server did not answer on {self.url} within "
                            f"{START_TIMEOUT_S:g} s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _exit_when_orphaned(parent_pid):
    """A SIGKILLed emulator cannot stop its moto server, so the server watches for that.

    Polling getppid() rather than PR_SET_PDEATHSIG: that signal fires when the *thread* that
    started the child ends, and a fixture or request thread may start a server.
    """
    while os.getppid() == parent_pid:
        time.sleep(WATCH_PARENT_EVERY_S)
    os._exit(0)


if __name__ == "__main__":
    from moto.server import main as moto_main
    port, parent = sys.argv[1], int(sys.argv[2])
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    moto_main(["-H", "127.0.0.1", "-p", port])
