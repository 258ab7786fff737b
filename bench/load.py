"""The load every emulator benchmark sends: GET requests over keep-alive connections, from an
event loop in the benchmark's own process (uvloop; llhttp parses the answers).

A load generator shares the machine with what it measures. On this 2-core machine the
threaded one it replaces (http.client, one thread per connection) spent about 170 us of CPU
per request, a fifth of the cores an emulator of several processes needs; this one spends
about a fifth of that (docs/measured.md), and the same one drives both sides of every
comparison.
"""
import asyncio
import time

import httptools

CONCURRENCY = 8
TIMEOUT_S = 30.0


class _Connection(asyncio.Protocol):
    def __init__(self, host, path, count, results, done):
        self.host, self.path, self.count = host, path, count
        self.results, self.done = results, done
        self.sent = 0
        self.parser = httptools.HttpResponseParser(self)

    def connection_made(self, transport):
        self.transport = transport
        self._send()

    def _send(self):
        suffix = str(self.sent) if self.path.endswith("=b") else ""  # a new cache key each
        self.started = time.perf_counter()
        self.transport.write(f"GET {self.path}{suffix} HTTP/1.1\r\nHost: {self.host}\r\n\r\n"
                             .encode())
        self.sent += 1

    def data_received(self, data):
        self.parser.feed_data(data)

    def on_message_complete(self):
        self.results.append((time.perf_counter() - self.started,
                             self.parser.get_status_code()))
        if self.sent < self.count:
            self._send()
        else:
            self.transport.close()
            self.done.set_result(None)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_exception(ConnectionError(f"closed after {self.sent} requests"))


async def _load(host, port, count, path, concurrency):
    loop = asyncio.get_running_loop()
    results, waiters = [], []
    shares = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]
    started = time.perf_counter()
    for share in shares:
        done = loop.create_future()
        waiters.append(done)
        await loop.create_connection(
            lambda share=share, done=done: _Connection(host, path, share, results, done),
            host, port)
    await asyncio.wait_for(asyncio.gather(*waiters), TIMEOUT_S + count / 100)
    return results, time.perf_counter() - started


def load(host, port, count, path, concurrency=CONCURRENCY):
    """`count` requests over `concurrency` keep-alive connections: (latencies in s, elapsed
    s, the statuses other than 200)."""
    try:
        import uvloop
        results, elapsed = uvloop.run(_load(host, port, count, path, concurrency))
    except ImportError:
        results, elapsed = asyncio.run(_load(host, port, count, path, concurrency))
    return [r[0] for r in results], elapsed, [r[1] for r in results if r[1] != 200]
