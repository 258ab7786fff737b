"""Ship log lines to CloudWatch Logs (a moto server on loopback) in batches, off the request path."""
import contextlib
import queue
import threading
import time

from edge_persist.aws import Aws

FLUSH_EVERY_S = 0.2
# PutLogEvents takes at most 10,000 events per call.
MAX_BATCH = 10_000


class LogShipper:
    def __init__(self, endpoint_url):
        self._aws = Aws(endpoint_url=endpoint_url)
        self._queue = queue.SimpleQueue()
        self._known = set()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self._thread.start()
        self.shipped = 0
        self.failures = 0

    def put(self, region, group, stream, text, timestamp_ms=None):
        """Queue every line of `text`; never blocks the caller on the network."""
        ts = int(timestamp_ms if timestamp_ms is not None else time.time() * 1000)
        for line in text.splitlines():
            if line.strip():
                self._queue.put((region, group, stream, ts, line))

    def flush(self, timeout=10.0):
        """Wait until everything queued so far has been shipped (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._idle.clear()
            if self._queue.empty() and self._idle.wait(FLUSH_EVERY_S * 3) and self._queue.empty():
                return True
        return False

    def close(self):
        self.flush()
        self._stop.set()
        self._thread.join(timeout=5)

    def _drain(self):
        batches = {}
        with contextlib.suppress(queue.Empty):
            while sum(len(v) for v in batches.values()) < MAX_BATCH:
                region, group, stream, ts, line = self._queue.get_nowait()
                batches.setdefault((region, group, stream), []).append(
                    {"timestamp": ts, "message": line})
        return batches

    def _run(self):
        while not self._stop.is_set():
            batches = self._drain()
            if not batches:
                self._idle.set()
                self._stop.wait(FLUSH_EVERY_S)
                continue
            for key, events in batches.items():
                self._ship(key, events)

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
            self.shipped += len(events)
        except Exception:  # noqa: BLE001 - logs are best effort, like Lambda@Edge's own
            self.failures += len(events)
