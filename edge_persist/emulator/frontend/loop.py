"""The event loop the emulator serves from, in a thread of its own, so that the code that
starts it (a command line, a test) keeps its own thread; and `served`, one handler on one
port, for what needs a single server rather than a whole Emulator."""
import asyncio
import contextlib
import threading

from edge_persist.emulator.frontend.server import Listener

# How long a call from another thread waits for the loop by default (a start includes the
# CloudFront Functions' node workers).
CALL_TIMEOUT_S = 120.0


def new_loop():
    """An event loop on uvloop (libuv) when it is installed, else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self, name="emulator-loop"):
        self.loop = new_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coroutine, timeout=CALL_TIMEOUT_S):
        """Run `coroutine` on the loop from another thread; its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def soon(self, callback, *args):
        self.loop.call_soon_threadsafe(callback, *args)

    @property
    def running(self):
        return self.loop.is_running()

    def stop(self):
        """Stop the loop and close it; safe to call again."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


@contextlib.contextmanager
def served(handler, port=0, tls=None, host="127.0.0.1", **timeouts):
    """`handler` on one loopback port, from a loop of its own: yields the Listener."""
    loop = LoopThread(name="served")
    listener = Listener(host, port, handler, tls, **timeouts)
    loop.soon(listener.start, loop.loop)
    try:
        yield listener
    finally:
        loop.soon(listener.close)
        loop.stop()
