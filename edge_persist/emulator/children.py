"""The emulator's child processes: starting its helpers, reading a child's pipes on the event
loop, and ending a child with everything it started.

Helpers (the moto server, the log shipper) run this project's modules (python -m ...) as their
main, so the project must be importable from whatever folder the emulator was started in.

A worker's pipes are read by ChildPipes: protocol messages, one JSON object per line, on
stdout; log text on stderr. Every line has a cap, so no child can make the emulator hold an
unbounded buffer: a protocol line past MAX_MESSAGE_BYTES counts as the child breaking down,
and a log line past MAX_LOG_LINE_BYTES is cut.

kill_tree ends a worker and its descendants, found two ways: by parent, through /proc, and by
a token each worker gets in its environment (TOKEN_ENV), which every process it starts
inherits; so a handler's child that made a session of its own (setsid) or left its parent
(a double fork) ends with it too.
"""
import asyncio
import collections
import contextlib
import os
import signal
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = "EDGE_PERSIST_ENVIRONMENT"
DEAD = object()       # what ChildPipes.message returns when the child is gone or broken
_OVERSIZED = object()
# One protocol message (a generated response of 1 MB, base64, fits many times); one log
# line (Lambda cuts its own at 256 KB).
MAX_MESSAGE_BYTES = 16 << 20
MAX_LOG_LINE_BYTES = 256 * 1024


def project_env():
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


class ChildPipes(asyncio.SubprocessProtocol):
    """The emulator's end of one child's pipes: protocol messages on its stdout, log lines
    on its stderr, handed to `log`."""

    def __init__(self, log):
        self.log = log                # text -> None: a line the child wrote to stderr
        self._lines = collections.deque()
        self._waiter = None
        self._buffer = bytearray()
        self._errors = bytearray()
        self.exited = False

    def pipe_data_received(self, fd, data):
        if fd == 2:
            self._stderr(data)
            return
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_MESSAGE_BYTES:
                    self._buffer.clear()
                    self._put(_OVERSIZED)
                return
            line = bytes(self._buffer[:end])
            del self._buffer[:end + 1]
            self._put(line)

    def _put(self, line):
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(line)
        else:
            self._lines.append(line)

    def _stderr(self, data):
        self._errors += data
        while True:
            end = self._errors.find(b"\n")
            if end < 0:
                if len(self._errors) > MAX_LOG_LINE_BYTES:  # a line without end: cut it
                    self.log(self._errors[:MAX_LOG_LINE_BYTES].decode("utf-8", "replace"))
                    self._errors.clear()
                return
            line = bytes(self._errors[:min(end, MAX_LOG_LINE_BYTES)])
            del self._errors[:end + 1]
            self.log(line.decode("utf-8", "replace"))

    def pipe_connection_lost(self, fd, exc):
        if fd == 1:
            self._put(DEAD)
        elif fd == 2 and self._errors:
            self.log(self._errors.decode("utf-8", "replace"))
            self._errors.clear()

    def process_exited(self):
        self.exited = True
        self._put(DEAD)

    async def message(self, timeout):
        """The next protocol message, decoded; None after `timeout`; DEAD when the child is
        gone, wrote something that is not one JSON object, or wrote past the cap."""
        if self._lines:
            line = self._lines.popleft()
        else:
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = loop.call_later(timeout, _expire, waiter)
            try:
                line = await waiter
            finally:
                timer.cancel()
                self._waiter = None
        if line is None:
            return None
        if line is DEAD or line is _OVERSIZED:
            return DEAD
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            return DEAD
        return message if isinstance(message, dict) else DEAD


def _expire(waiter):
    if not waiter.done():
        waiter.set_result(None)


def _processes():
    """{pid: parent pid} of every process /proc shows."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(entry.path, "stat").read_text()
                found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _carries(pid, token):
    with contextlib.suppress(OSError):
        return f"{TOKEN_ENV}={token}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
    return False


def kill_tree(pid, token=None):
    """SIGKILL `pid`, its process group, each of its descendants, and every process that
    carries `token` in its environment."""
    parents = _processes()
    doomed, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in doomed:
                doomed.add(child)
                todo.append(child)
    if token:
        doomed |= {p for p in parents if p != os.getpid() and _carries(p, token)}
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for victim in doomed:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(victim, signal.SIGKILL)
