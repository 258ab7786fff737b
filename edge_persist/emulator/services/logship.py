"""Ship log lines to CloudWatch Logs (a moto server on loopback) in batches, off the request
path, and show them in the terminal as they happen.

Two halves. In the emulator, put() queues a function's text (one item however many lines)
and a thread splits it into lines, hands each to the terminal `tap` at once, and groups them
by stream once a second. The boto3 calls run in a child process (`python -m
edge_persist.emulator.services.logship ENDPOINT`), fed one JSON batch per line on its stdin
and answering one JSON line per batch: the streams it could not write. A py-spy profile
with --gil put boto3's serialization at a quarter of the emulator's main process, where the
interpreter lock makes every microsecond count. CloudWatch itself takes seconds to show
Lambda's lines, so a second of delay is realistic.

Nothing is lost: lines the moto server did not take (it stopped, it refused them) are
appended to `spill` (JSON lines: region, group, stream, timestamp, message), and the first
time that happens one line on stderr says where.
"""
import contextlib
import json
import queue
import subprocess
import sys
import threading
import time

import orjson
from botocore.config import Config

from edge_persist.aws import Aws
from edge_persist.emulator.children import project_env

FLUSH_EVERY_S = 1.0
# How often lines reach a live tap (the terminal): soon enough to read as "as they happen".
# A tick, not a wake-up per line: under load, waking this thread for every invoke made it
# contend with the event loop for the interpreter lock, a fifth of the emulator's speed.
LIVE_EVERY_S = 0.05
# PutLogEvents takes at most 10,000 events per call.
MAX_BATCH = 10_000
# The lines are ours and well formed; skipping botocore's validation halves the cost.
SHIPPER_CONFIG = Config(parameter_validation=False, retries={"mode": "standard",
                                                             "max_attempts": 3})


class LogShipper:
    def __init__(self, endpoint_url, spill=None, tap=None, live=False):
        """`spill`: the file lines no one took go to; `tap(region, group, line)`: handed each
        line (the function log store), or None; `live`: the tap shows lines as they come
        (within LIVE_EVERY_S), else it gets them each second or when drain() asks."""
        self.endpoint_url, self.spill, self.tap = endpoint_url, spill, tap
        self._tick = LIVE_EVERY_S if live else FLUSH_EVERY_S
        self._spilled = False
        # Its own process group: a Ctrl-C at the terminal must leave it to ship the last
        # lines; it ends when its stdin closes, also when the emulator is killed.
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, endpoint_url], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, process_group=0, env=project_env())
        self._queue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    def put(self, region, group, stream, text, timestamp_ms=None):
        """Queue every line of `text`; never blocks the caller on the network."""
        ts = int(timestamp_ms if timestamp_ms is not None else time.time() * 1000)
        self._queue.put((region, group, stream, ts, text))

    def drain(self, timeout=10.0):
        """Wait until every line queued so far has reached the tap (not CloudWatch Logs):
        what a reader of the tap's store needs. True once it has."""
        if self.tap is None:
            return True
        done = threading.Event()
        self._queue.put((done, False))
        self._wake.set()
        return done.wait(timeout)

    def delete_groups(self, groups):
        """Delete these (log group, region) from CloudWatch Logs; best effort, from the
        calling thread."""
        aws = Aws(endpoint_url=self.endpoint_url, config=SHIPPER_CONFIG)
        for group, region in groups:
            with contextlib.suppress(Exception):  # noqa: BLE001 - gone already, or moto is
                aws.client("logs", region).delete_log_group(logGroupName=group)

    def flush(self, timeout=10.0):
        """Ship everything queued so far now; True once it is in CloudWatch Logs (or, when
        moto did not take it, in the spill file). Closed, there is nothing to ship."""
        if not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put((done, True))
        self._wake.set()
        return done.wait(timeout)

    def close(self):
        self.flush()
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._child.stdin.close()
        try:
            self._child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()

    def _drain(self, batches):
        """Move what is queued into `batches`; the markers met (an Event, and whether it
        waits for shipping), and whether the batch is full."""
        markers, count = [], sum(len(events) for events in batches.values())
        with contextlib.suppress(queue.Empty):
            while count < MAX_BATCH:
                item = self._queue.get_nowait()
                if len(item) == 2:
                    markers.append(item)
                    continue
                region, group, stream, ts, text = item
                events = batches.setdefault((region, group, stream), [])
                for line in text.split("\n"):  # as Lambda splits stdout: on \n only
                    if line.strip():
                        events.append({"timestamp": ts, "message": line})
                        count += 1
                        if self.tap is not None:
                            self.tap(region, group, line)
        return markers, count >= MAX_BATCH

    def _run(self):
        batches, shipped_at = {}, time.monotonic()
        while not self._stop.is_set() or not self._queue.empty():
            markers, full = self._drain(batches)
            for marker, shipping in markers:
                if not shipping:
                    marker.set()  # the tap has seen every line before it
            flushing = [marker for marker, shipping in markers if shipping]
            due = time.monotonic() - shipped_at >= FLUSH_EVERY_S
            if batches and (flushing or full or due or self._stop.is_set()):
                self._send(batches)
                batches, shipped_at = {}, time.monotonic()
            for marker in flushing:
                marker.set()
            if not full:  # drained: wait for the next tick, a flush or a drain
                self._wake.wait(self._tick)
                self._wake.clear()

    def _send(self, batches):
        """One JSON line to the child, then its answer: the streams it could not write."""
        line = orjson.dumps([[*key, events] for key, events in batches.items()]) + b"\n"
        try:
            self._child.stdin.write(line)
            self._child.stdin.flush()
            answer = self._child.stdout.readline()
            failed = {tuple(key) for key in json.loads(answer)} if answer else set(batches)
        except (OSError, ValueError):
            failed = set(batches)  # the child is gone: nothing more reaches CloudWatch Logs
        if failed:
            self._keep({key: events for key, events in batches.items() if key in failed})

    def _keep(self, batches):
        """Append lines CloudWatch Logs did not take to the spill file; say where, once."""
        if self.spill is None:
            return
        with open(self.spill, "ab") as out:
            for (region, group, stream), events in batches.items():
                for event in events:
                    out.write(orjson.dumps({"region": region, "group": group, "stream": stream,
                                            **event}) + b"\n")
        if not self._spilled:
            self._spilled = True
            print(f"emulator: CloudWatch Logs did not take some log lines; they are in "
                  f"{self.spill}", file=sys.stderr, flush=True)


class Sender:
    """The child's half: PutLogEvents per stream, creating groups and streams once."""

    def __init__(self, endpoint_url):
        self._aws = Aws(endpoint_url=endpoint_url, config=SHIPPER_CONFIG)
        self._known = set()

    def ship(self, region, group, stream, events):
        """True once CloudWatch Logs holds `events`. A group deleted since it was made (the
        control API's reset deletes them) is made again."""
        client = self._aws.client("logs", region)
        events.sort(key=lambda e: e["timestamp"])  # PutLogEvents wants them in order
        for _attempt in range(2):
            try:
                self._ensure(client, region, group, stream)
                client.put_log_events(logGroupName=group, logStreamName=stream,
                                      logEvents=events)
                return True
            except Exception:  # noqa: BLE001 - moto gone or refusing: the emulator keeps them
                self._known.discard((region, group))
                self._known.discard((region, group, stream))
        return False

    def _ensure(self, client, region, group, stream):
        """The group and the stream, made once each."""
        if (region, group) not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_group(logGroupName=group)
            self._known.add((region, group))
        if (region, group, stream) not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._known.add((region, group, stream))


def main(endpoint_url):
    sender = Sender(endpoint_url)
    for line in sys.stdin:  # EOF: the emulator is gone or done
        failed = [[region, group, stream] for region, group, stream, events in json.loads(line)
                  if not sender.ship(region, group, stream, events)]
        sys.stdout.write(json.dumps(failed) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
