"""The HTTP/1.1 server of every port the emulator listens on, all on one asyncio event loop.

llhttp (through httptools) parses what a viewer sends, and with it RFC 9112's framing and
RFC 9110's field syntax: Content-Length beside Transfer-Encoding, two Content-Lengths, a
malformed one, obsolete line folding, a control character in a field, a bad chunk are 400
and the connection closes. What a parser leaves to its server is here:
- an HTTP/1.1 request without exactly one Host is 400 (RFC 9112, 3.2); a version other than
  1.0 and 1.1 is 505;
- memory is bounded: a request line over MAX_URL_BYTES, headers over MAX_HEADER_BYTES or
  MAX_HEADERS fields, a body over MAX_BODY_BYTES (told by its Content-Length, or as it
  arrives) are refused before they are read, with the status the handler gives for them
  (CloudFront's quotas, below these bounds, are the request path's to apply);
- a body cut short is never handed on: the request is only handled once complete;
- an idle connection closes after IDLE_TIMEOUT_S; a request that stops arriving midway gets
  408 after READ_TIMEOUT_S;
- pipelined requests are answered in order, one at a time, and reading pauses while
  MAX_PIPELINED wait;
- HTTPS on the same port: a connection whose first byte begins a TLS handshake is served over
  TLS (tls.py), its handshake bounded by TLS_HANDSHAKE_TIMEOUT_S;
- nothing reaches the wire unchecked: every response's status and fields pass fields.py, and
  one that does not is replaced by the handler's own 502.

A handler has `handle(request)` (a coroutine or a plain function) and `refusal(status,
why)`, the answer it gives for a request the server refuses itself.
"""
import asyncio
import collections
import os
import socket
import sys
import time
import traceback
from email.utils import formatdate
from urllib.parse import urlsplit

import httptools

from edge_persist.emulator.frontend import fields
from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse, reason

MAX_URL_BYTES = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024       # the request line and every header, together
MAX_HEADERS = 500
MAX_BODY_BYTES = 64 << 20          # a local bound: CloudFront takes bigger uploads
MAX_PIPELINED = 16
IDLE_TIMEOUT_S = 60.0
READ_TIMEOUT_S = 30.0
TLS_HANDSHAKE_TIMEOUT_S = 10.0
HANDSHAKE = 0x16  # the first byte of a TLS record carrying a handshake
ACCEPT_BACKLOG = 512


class Refused(Exception):
    """A request the server answers itself: its status and why."""

    def __init__(self, status, why):
        super().__init__(why)
        self.status = status


_date = [0, b""]


def http_date():
    """The Date header's value, formatted once a second rather than once a request."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = now, formatdate(now, usegmt=True).encode()
    return _date[1]


# Fields the server writes itself, from the message's framing.
FRAMING = frozenset({"content-length", "connection", "date", "transfer-encoding"})


def response_head(response, body_length, close):
    """The status line and header fields of `response`, checked (fields.InvalidField)."""
    problem = fields.status_problem(response.status)
    if problem:
        raise fields.InvalidField(problem)
    return b"HTTP/1.1 %d %s\r\n%sDate: %s\r\nContent-Length: %d\r\n%s\r\n" % (
        response.status, reason(response.status).encode(),
        fields.field_lines(response.headers, FRAMING), http_date(), body_length,
        b"Connection: close\r\n" if close else b"")


class ViewerConnection(asyncio.Protocol):
    """One viewer connection: parses requests, hands them to the listener's handler in
    order, writes the answers."""

    def __init__(self, listener, tls=False):
        self.listener, self.loop = listener, listener.loop
        self.tls = tls
        self.transport = None
        self.parser = httptools.HttpRequestParser(self)
        self._queue = collections.deque()
        self._serving = None          # the task answering the queue, while it runs
        self._timer_callback = None
        self._closing = False         # the connection is gone, or going: nothing more is written
        self._stopped = False         # nothing more is read: a refusal or an upgrade came
        self._refusal = None          # the answer to send once the queue is answered
        self._timer = None
        self._writable = asyncio.Event()
        self._writable.set()
        self._new_message()

    # --- the connection ------------------------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Without this, keep-alive answers stall ~40 ms on delayed ACKs.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername") or ("127.0.0.1", 0)
        self.client = peer[0], peer[1]
        ssl_object = transport.get_extra_info("ssl_object")
        self.tls_info = (ssl_object.version(), ssl_object.cipher()[0]) if ssl_object else None
        self.listener.connections.add(self)
        self._arm(self.listener.idle_timeout, self._idle)

    def connection_lost(self, exc):
        self.listener.connections.discard(self)
        self._closing = True
        self._disarm()
        self._writable.set()

    def pause_writing(self):
        self._writable.clear()

    def resume_writing(self):
        self._writable.set()

    def data_received(self, data):
        if self._closing or self._stopped:
            return
        if self._timer_callback != self._stalled:  # a request begins: it has the read timeout
            self._arm(self.listener.read_timeout, self._stalled)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # An upgrade (WebSocket, CONNECT) is not emulated: the request, already queued, is
            # answered as a plain one, and the connection closes after it.
            self._stopped = True
            if self._queue:
                self._queue[-1] = (self._queue[-1][0], False)
        except httptools.HttpParserCallbackError as err:
            refused = err.__context__
            if isinstance(refused, Refused):
                self._refuse(refused.status, str(refused))
            else:
                self._refuse(400, f"bad request ({err})")
        except httptools.HttpParserError as err:
            self._refuse(400, f"bad request: {err}")

    # --- parser callbacks ----------------------------------------------------------------

    def _new_message(self):
        self._url = bytearray()
        self._headers = []
        self._header_bytes = 0
        self._body = []
        self._body_bytes = 0
        self._headers_done = False

    def on_message_begin(self):
        if self._timer_callback != self._stalled:
            self._arm(self.listener.read_timeout, self._stalled)

    def on_url(self, url):
        self._url += url
        if len(self._url) > MAX_URL_BYTES:
            raise Refused(414, "the request line is too long")

    def on_header(self, name, value):
        if self._headers_done:
            return  # a chunked body's trailer fields: dropped, as CloudFront does not use them
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes + len(self._url) > MAX_HEADER_BYTES:
            raise Refused(494, "the request headers are too large")
        if len(self._headers) >= MAX_HEADERS:
            raise Refused(494, "the request has too many header fields")
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self):
        self._headers_done = True
        version = self.parser.get_http_version()
        if version not in ("1.0", "1.1"):
            raise Refused(505, f"HTTP/{version} is not supported")
        hosts = [v for k, v in self._headers if k.lower() == "host"]
        if version == "1.1" and len(hosts) != 1:
            raise Refused(400, "an HTTP/1.1 request needs exactly one Host header")
        length = next((v for k, v in self._headers if k.lower() == "content-length"), "0")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:  # llhttp checked its syntax
            raise Refused(413, "the request body is too large")
        if any(k.lower() == "expect" and v.lower() == "100-continue"
               for k, v in self._headers):
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # curl waits for it

    def on_body(self, body):
        self._body_bytes += len(body)
        if self._body_bytes > MAX_BODY_BYTES:
            raise Refused(413, "the request body is too large")
        self._body.append(body)

    def on_message_complete(self):
        target = self._url.decode("latin-1")
        if target.startswith(("http://", "https://")):  # absolute-form, as a proxy gets it
            split = urlsplit(target)
            path, query = split.path or "/", split.query
        else:
            path, _, query = target.partition("?")
            query = query.partition("#")[0]
        request = HttpRequest(self.parser.get_method().decode(), path or "/", query,
                              self._headers, b"".join(self._body), self.client[0],
                              "https" if self.tls_info else "http",
                              self.parser.get_http_version(), self.tls_info, self.client[1])
        self._queue.append((request, self.parser.should_keep_alive()))
        self._new_message()
        self._disarm()
        if len(self._queue) >= MAX_PIPELINED:
            self.transport.pause_reading()
        self._start_serving()

    # --- answering -------------------------------------------------------------------------

    def _start_serving(self):
        if self._serving is None:
            self._serving = self.loop.create_task(self._serve())

    async def _serve(self):
        """Answer the queued requests in order; then the refusal, if one came."""
        try:
            while self._queue and not self._closing:
                request, keep_alive = self._queue.popleft()
                response = await self.listener.answer(request)
                keep_alive = keep_alive and not response.close
                await self._write(request.method == "HEAD", response, not keep_alive)
                if not keep_alive:
                    self._close()
                    return
                if not self._closing and not self._stopped:
                    self.transport.resume_reading()
            if self._refusal is not None and not self._closing:
                await self._write(False, self._refusal, True)
                self._close()
            elif self._stopped:
                self._close()
        finally:
            self._serving = None
        if not self._closing:
            self._arm(self.listener.idle_timeout, self._idle)

    async def _write(self, head_only, response, close):
        if self._closing:
            return
        try:
            head = response_head(response, len(response.body), close)
        except fields.InvalidField as err:
            response = self.listener.handler.refusal(502, str(err))
            head = response_head(response, len(response.body), close)
        self.transport.write(head if head_only else head + response.body)
        await self._writable.wait()

    def _refuse(self, status, why):
        """Answer a request the server will not hand on, after the answers already owed on
        this connection, then close it; nothing more is read."""
        if self._closing or self._stopped:
            return
        self._stopped = True
        self._disarm()
        self._refusal = self.listener.handler.refusal(status, why)
        self._start_serving()

    def _close(self):
        self._closing = True
        self._disarm()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    # --- timers ----------------------------------------------------------------------------

    def _arm(self, seconds, callback):
        self._disarm()
        self._timer = self.loop.call_later(seconds, callback)
        self._timer_callback = callback

    def _disarm(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = self._timer_callback = None

    def _idle(self):
        if self._serving is None and not self._queue:
            self._close()

    def _stalled(self):
        self._refuse(408, "the request did not arrive in time")


def _plain_refusal(status, why):
    return HttpResponse(status, [("Content-Type", "text/plain")], f"{why}\n".encode())


class PlainHandler:
    """The refusal of a handler that has no answer shape of its own."""
    refusal = staticmethod(_plain_refusal)


class Listener:
    """One listening port on loopback. The socket is bound at once (its port is known before
    the loop runs); connections are accepted once `start` runs on the loop. `handler` may be
    replaced while it serves: the next request goes to the new one."""

    def __init__(self, host, port, handler, tls=None, idle_timeout=IDLE_TIMEOUT_S,
                 read_timeout=READ_TIMEOUT_S):
        self.handler, self.tls = handler, tls
        self.idle_timeout, self.read_timeout = idle_timeout, read_timeout
        self.error_log = None  # where the traceback of an error of the emulator's own goes
        self.loop = None
        self.connections = set()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(ACCEPT_BACKLOG)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def start(self, loop):
        self.loop = loop
        loop.add_reader(self.sock.fileno(), self._accept)

    def _accept(self):
        for _ in range(64):  # a burst of connections, then back to the loop
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # out of descriptors, or the socket is closing: try on the next wake
            conn.setblocking(False)
            if self.tls is None:
                self.loop.create_task(self._connect(conn, None))
            else:
                self._sniff_later(conn)

    def _sniff_later(self, conn):
        """Wait for the connection's first byte to tell TLS from plain HTTP, within the
        handshake timeout."""
        fd = conn.fileno()

        def give_up():
            self.loop.remove_reader(fd)
            conn.close()

        timer = self.loop.call_later(TLS_HANDSHAKE_TIMEOUT_S, give_up)

        def readable():
            self.loop.remove_reader(fd)
            timer.cancel()
            try:
                first = conn.recv(1, socket.MSG_PEEK)
            except OSError:
                first = b""
            if not first:
                conn.close()
                return
            context = self.tls.context if first[0] == HANDSHAKE else None
            self.loop.create_task(self._connect(conn, context))

        self.loop.add_reader(fd, readable)

    async def _connect(self, conn, context):
        try:
            await self.loop.connect_accepted_socket(
                lambda: ViewerConnection(self, tls=context is not None), conn, ssl=context,
                **({"ssl_handshake_timeout": TLS_HANDSHAKE_TIMEOUT_S} if context else {}))
        except (OSError, ValueError, asyncio.TimeoutError, ConnectionError):
            conn.close()  # a failed handshake ends only that connection

    async def answer(self, request):
        """The handler's answer; an exception of the handler is its 500, never a traceback
        on the wire."""
        handler = self.handler
        try:
            response = handler.handle(request)
            if asyncio.iscoroutine(response):
                response = await response
            return response
        except Exception as err:  # noqa: BLE001 - an emulator bug must not end the server
            self.report(request, err)
            return handler.refusal(500, "the emulator failed on this request; see its stderr")

    def report(self, request, err):
        """One line on stderr for an error of the emulator's own, and its whole traceback in
        `error_log` (when set): enough to report it, and no traceback in the terminal."""
        frame = traceback.extract_tb(err.__traceback__)[-1]
        where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
        kept = ""
        if self.error_log:
            with open(self.error_log, "a", encoding="utf-8") as log:
                log.write(f"{request.method} {request.path}\n")
                log.write("".join(traceback.format_exception(err)))
            kept = f"; the traceback is in {self.error_log}"
        print(f"emulator: internal error on {request.method} {request.path}: "
              f"{type(err).__name__}: {err} ({where}); answered 500{kept}", file=sys.stderr,
              flush=True)

    def close(self):
        if self.loop is not None:
            self.loop.remove_reader(self.sock.fileno())
        self.sock.close()
        for connection in list(self.connections):
            connection._close()
