"""The client the emulator reaches custom origins with, on its event loop.

llhttp (httptools) reads what an origin answers, with RFC 9112's framing: a body shorter
than its Content-Length, a chunked body cut short, a malformed status line or field are the
origin's failure (OriginFailed), never a response, so nothing truncated is served or cached.
What the emulator sends is checked before it is written (fields.py): a method that is not a
token, a target with whitespace or a control character, a field that is not a token or
holds CR, LF or NUL cannot form a second request.

Connections are kept alive per origin address, one request at a time each, and closed after
the origin's keep-alive timeout idle; a kept connection the origin closed meanwhile is
retried once, fresh. An answer that stops arriving for the read timeout is a timeout
(OriginTimeout), as CloudFront's OriginReadTimeout is the time it waits for each packet.
"""
import asyncio
import collections
import socket
import ssl

import httptools

from edge_persist.emulator.frontend import fields

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 << 20   # a local bound on what one origin answer may hold in memory
CONNECT_TIMEOUT_S = 10.0


class OriginFailed(Exception):
    """The origin could not be reached, or its answer was not a whole HTTP response."""


class OriginTimeout(OriginFailed):
    """The origin did not answer within its read timeout."""


def request_bytes(method, target, headers, body):
    """The request as it goes on the wire; fields.InvalidField when any part cannot."""
    if not fields.TOKEN.fullmatch(method or ""):
        raise fields.InvalidField(f"the method {method!r} is not a token")
    path, _, query = target.partition("?")
    problem = fields.path_problem(path) or (fields.query_problem(query) if query else None)
    if problem:
        raise fields.InvalidField(problem)
    length = b"Content-Length: %d\r\n" % len(body) if body or method in (
        "POST", "PUT", "PATCH") else b""
    return b"%s %s HTTP/1.1\r\n%s%s\r\n%s" % (
        method.encode(), fields.encoded(target), fields.field_lines(headers, FRAMING), length,
        body)


# Fields the client writes itself, from the message's framing.
FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


class _Exchange(asyncio.Protocol):
    """One connection to an origin: a response parser per request."""

    def __init__(self, loop):
        self.loop = loop
        self.transport = None
        self.closed = False
        self.idle_handle = None
        self._answer = None

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc):
        self.closed = True
        if self._answer is not None and not self._answer.done():
            if self._headers_done and not self._framed and not self._head:
                self._finish()  # a body delimited by the connection closing: complete
            else:
                self._answer.set_exception(OriginFailed(
                    "the origin closed the connection before its answer was complete"))

    def data_received(self, data):
        if self._answer is None or self._answer.done():
            return  # bytes after a complete answer: the connection is not reused
        self._touch()
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, OriginFailed) as err:
            reason = err.__context__ if isinstance(err.__context__, OriginFailed) else err
            self.closed = True
            self.transport.close()
            if not self._answer.done():
                self._answer.set_exception(OriginFailed(f"the origin's answer is not HTTP: "
                                                        f"{reason}"))

    # --- one request ------------------------------------------------------------------------

    async def exchange(self, data, head, read_timeout):
        self._answer = self.loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._head, self._read_timeout = head, read_timeout
        self._status, self._headers, self._body, self._size = 0, [], [], 0
        self._headers_done = self._framed = False
        self._timer = None
        self._touch()
        self.transport.write(data)
        try:
            return await self._answer
        finally:
            if self._timer is not None:
                self._timer.cancel()

    def _touch(self):
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(self._read_timeout, self._timed_out)

    def _timed_out(self):
        self.closed = True
        self.transport.close()
        if not self._answer.done():
            self._answer.set_exception(OriginTimeout(
                f"no answer within the origin's read timeout ({self._read_timeout:g} s)"))

    def on_header(self, name, value):
        if self._headers_done:
            return  # trailer fields
        self._size += len(name) + len(value) + 4
        if self._size > MAX_HEADER_BYTES:
            raise OriginFailed("its header fields are too large")
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self):
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._headers, self._size = [], 0
            return
        self._status, self._headers_done = status, True
        names = {name.lower() for name, _ in self._headers}
        self._framed = "content-length" in names or "transfer-encoding" in names or \
            status in (204, 304)
        if self._head:
            self._finish()  # a HEAD answer has no body, whatever its Content-Length says

    def on_body(self, body):
        self._size += len(body)
        if self._size > MAX_HEADER_BYTES + MAX_BODY_BYTES:
            raise OriginFailed("its body is too large")
        self._body.append(body)

    def on_message_complete(self):
        if self._headers_done:
            self._finish()

    def _finish(self):
        if self._answer.done():
            return
        if not self._parser.should_keep_alive() or self._head and self._framed is False:
            self.closed = True
            self.transport.close()
        # Transfer-Encoding stays as `chunked` (the body is whole by now): CloudFront serves
        # such an answer whole to a Range request, and compresses it not.
        headers = [(k, "chunked" if k.lower() == "transfer-encoding" else v)
                   for k, v in self._headers if k.lower() not in ("connection", "keep-alive")]
        self._answer.set_result((self._status, headers, b"".join(self._body)))


class OriginPool:
    """Kept-alive connections to origins, by (scheme, host, port)."""

    def __init__(self):
        self._idle = collections.defaultdict(list)
        self._insecure = ssl.create_default_context()
        # Origins are local servers the user mapped (--origin): their certificates are
        # their own, often self-signed.
        self._insecure.check_hostname = False
        self._insecure.verify_mode = ssl.CERT_NONE

    async def exchange(self, scheme, host, port, method, target, headers, body,
                       read_timeout, keepalive_timeout):
        """(status, headers, body); OriginFailed or OriginTimeout when the origin fails,
        fields.InvalidField when the request cannot be written."""
        data = request_bytes(method, target, headers, body)
        key = (scheme, host, port)
        for attempt in (1, 2):
            connection = self._take(key)
            fresh = connection is None
            if fresh:
                connection = await self._connect(scheme, host, port)
            try:
                answer = await connection.exchange(data, method == "HEAD", read_timeout)
            except OriginTimeout:
                raise
            except OriginFailed:
                if fresh or attempt == 2:
                    raise
                continue  # a kept connection the origin had closed: once more, fresh
            self._keep(key, connection, keepalive_timeout)
            return answer

    def _take(self, key):
        idle = self._idle[key]
        while idle:
            connection = idle.pop()
            connection.idle_handle.cancel()
            if not connection.closed:
                return connection
        return None

    def _keep(self, key, connection, keepalive_timeout):
        if connection.closed:
            return
        loop = asyncio.get_running_loop()

        def expire():
            if connection in self._idle[key]:
                self._idle[key].remove(connection)
            connection.transport.close()
        connection.idle_handle = loop.call_later(keepalive_timeout, expire)
        self._idle[key].append(connection)

    async def _connect(self, scheme, host, port):
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                lambda: _Exchange(loop), host, port,
                ssl=self._insecure if scheme == "https" else None), CONNECT_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise OriginTimeout(f"no connection to {host}:{port} within "
                                f"{CONNECT_TIMEOUT_S:g} s") from None
        except (OSError, ssl.SSLError) as err:
            raise OriginFailed(f"cannot connect to {host}:{port}: {err}") from None
        return connection

    def close(self):
        for idle in self._idle.values():
            for connection in idle:
                connection.idle_handle.cancel()
                connection.transport.close()
        self._idle.clear()
