"""Ship log lines to CloudWatch Logs (a moto server on loopback) in batches, off the request path.

Two halves. In the emulator, put() queues lines and a thread groups them by stream once a
second. The boto3 calls run in a child process (`python -m edge_persist.emulator.services.logship
ENDPOINT`), fed one JSON batch per line on its stdin and answering one line per batch: a
py-spy profile with --gil put boto3's serialization at a quarter of the emulator's main
process, where the interpreter lock makes every microsecond count. CloudWatch itself takes
seconds to show Lambda's lines, so a second of delay is realistic.
"""
import contextlib
import json
import queue
import subprocess
import sys
import threading
import time

from botocore.config import Config

from edge_persist.aws import Aws
from edge_persist.emulator.children import project_env

FLUSH_EVERY_S = 1.0
# PutLogEvents takes at most 10,000 events per call.
MAX_BATCH = 10_000
# The lines are ours and well formed; skipping botocore's validation halves the cost.
SHIPPER_CONFIG = Config(parameter_validation=False, retries={"mode": "standard",
                                                             "max_attempts": 3})


class LogShipper:
    def __init__(self, endpoint_url):
        # Its own process group: a Ctrl-C at the terminal must leave it to ship the last
        # lines; it ends when its stdin closes, also when the emulator is killed.
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, endpoint_url], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, process_group=0,
            env=project_env())
        self._queue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()

    def put(self, region, group, stream, text, timestamp_ms=None):
        """Queue every line of `text`; never blocks the caller on the network."""
        ts = int(timestamp_ms if timestamp_ms is not None else time.time() * 1000)
        for line in text.split("\n"):  # as Lambda splits stdout: on \n only
            if line.strip():
                self._queue.put((region, group, stream, ts, line))

    def flush(self, timeout=10.0):
        """Ship everything queued so far now; True once it is in CloudWatch Logs."""
        done = threading.Event()
        self._queue.put(done)
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

    def _drain(self):
        batches, markers, count = {}, [], 0
        with contextlib.suppress(queue.Empty):
            while count < MAX_BATCH:
                item = self._queue.get_nowait()
                if isinstance(item, threading.Event):
                    markers.append(item)
                    continue
                region, group, stream, ts, line = item
                batches.setdefault((region, group, stream), []).append(
                    {"timestamp": ts, "message": line})
                count += 1
        return batches, markers, count

    def _run(self):
        while not self._stop.is_set():
            batches, markers, count = self._drain()
            if batches:
                self._send(batches)
            for marker in markers:
                marker.set()
            if count < MAX_BATCH:  # drained: wait for the next tick or a flush
                self._wake.wait(FLUSH_EVERY_S)
                self._wake.clear()

    def _send(self, batches):
        """One JSON line to the child, then its acknowledgement: shipped, or given up."""
        line = json.dumps([[*key, events] for key, events in batches.items()]) + "\n"
        try:
            self._child.stdin.write(line.encode())
            self._child.stdin.flush()
            self._child.stdout.readline()
        except OSError:
            pass  # the child is gone (the emulator is stopping): nothing more can ship


class Sender:
    """The child's half: PutLogEvents per stream, creating groups and streams once."""

    def __init__(self, endpoint_url):
        self._aws = Aws(endpoint_url=endpoint_url, config=SHIPPER_CONFIG)
        self._known = set()
        self._warned = False

    def ship(self, region, group, stream, events):
        client = self._aws.client("logs", region)
        key = (region, group, stream)
        try:
            if (region, group) not in self._known:
                with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                    client.create_log_group(logGroupName=group)
                self._known.add((region, group))
            if key not in self._known:
                with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                    client.create_log_stream(logGroupName=group, logStreamName=stream)
                self._known.add(key)
            events.sort(key=lambda e: e["timestamp"])  # PutLogEvents wants them in order
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except Exception as err:  # noqa: BLE001 - best effort, like Lambda@Edge's own logs
            if not self._warned:  # say it once: a dead endpoint would repeat it forever
                self._warned = True
                print(f"emulator: could not ship logs to {group} in {region}: {err}",
                      file=sys.stderr, flush=True)


def main(endpoint_url):
    sender = Sender(endpoint_url)
    for line in sys.stdin:  # EOF: the emulator is gone or done
        for region, group, stream, events in json.loads(line):
            sender.ship(region, group, stream, events)
        sys.stdout.write("shipped\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
