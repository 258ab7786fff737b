"""Ship log lines to CloudWatch Logs (a moto server on loopback) in batches, off the request path."""
import contextlib
import queue
import sys
import threading
import time

from botocore.config import Config

from edge_persist.aws import Aws

# One PutLogEvents call per stream per second keeps shipping off the emulator's hot path
# (each boto3 call costs about a millisecond of the interpreter's lock). CloudWatch itself
# takes seconds to show Lambda's lines, so a second of delay is realistic.
FLUSH_EVERY_S = 1.0
# PutLogEvents takes at most 10,000 events per call.
MAX_BATCH = 10_000
# The lines are ours and well formed; skipping botocore's validation halves the cost.
SHIPPER_CONFIG = Config(parameter_validation=False, retries={"mode": "standard",
                                                             "max_attempts": 3})


class LogShipper:
    def __init__(self, endpoint_url):
        self._aws = Aws(endpoint_url=endpoint_url, config=SHIPPER_CONFIG)
        self._queue = queue.SimpleQueue()
        self._known = set()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()
        self._warned = False

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
            for key, events in batches.items():
                self._ship(key, events)
            for marker in markers:
                marker.set()
            if count < MAX_BATCH:  # drained: wait for the next tick or a flush
                self._wake.wait(FLUSH_EVERY_S)
                self._wake.clear()

    def _ship(self, key, events):
        region, group, stream = key
        client = self._aws.client("logs", region)
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
                      file=sys.stderr)
