"""HTTP/1.1 on loopback, lean: the emulator's front end and its client for custom origins.

The standard library's http.server and http.client parse every header block with the
email package; a py-spy profile (--gil) put that at about a third of the emulator's main
process, which the GIL makes the bottleneck. Both sides here read header lines by hand:
keep-alive, Content-Length and chunked bodies, HEAD, and nothing else HTTP/1.1 offers that a
local CloudFront needs.
"""
import socket
import socketserver
import sys
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import urlsplit

from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse

MAX_LINE = 65536
MAX_HEADERS = 200
_REASONS = {s.value: s.phrase for s in HTTPStatus}


def reason(status):
    """The standard phrase of a status, or "" for one HTTP does not name."""
    return _REASONS.get(status, "")


class BadMessage(Exception):
    """Not HTTP/1.x as this reader takes it."""


def read_headers(rfile):
    """[(name, value)] up to the blank line, names as sent."""
    headers = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line or len(line) > MAX_LINE or len(headers) >= MAX_HEADERS:
            raise BadMessage("header block too long or cut short")
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep or not name or name != name.strip():
            raise BadMessage(f"malformed header line {line[:40]!r}")
        headers.append((name, value.strip()))


def _value(headers, name):
    return next((v for k, v in reversed(headers) if k.lower() == name), None)


def read_body(rfile, headers):
    if "chunked" in (_value(headers, "transfer-encoding") or "").lower():
        chunks = []
        while True:
            size = int(rfile.readline(MAX_LINE).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                read_headers(rfile)  # trailers, dropped
                return b"".join(chunks)
            chunks.append(rfile.read(size))
            rfile.readline(MAX_LINE)
    length = _value(headers, "content-length")
    try:
        return rfile.read(int(length)) if length else b""
    except ValueError:
        raise BadMessage(f"Content-Length {length!r}") from None


_date = [0, ""]


def http_date():
    """The Date header, formatted once a second rather than once a request."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = now, formatdate(now, usegmt=True)
    return _date[1]


def response_bytes(response, head_only, close):
    lines = [f"HTTP/1.1 {response.status} {reason(response.status)}"]
    lines += [f"{k}: {v}" for k, v in response.headers
              if k.lower() not in ("content-length", "connection", "date")]
    lines += [f"Date: {http_date()}", f"Content-Length: {len(response.body)}"]
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head if head_only else head + response.body


def handler_for(tier):
    """A keep-alive request loop that hands each request to `tier.handle`."""

    class Handler(socketserver.StreamRequestHandler):
        def setup(self):
            # Without this, keep-alive answers stall ~40 ms on delayed ACKs.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.tls, self.failed = None, False
            tls = getattr(self.server, "tls", None)
            if tls is not None:
                try:
                    self.request, self.tls = tls.accept(self.request)
                except (OSError, ValueError):  # a failed handshake ends only that connection
                    self.failed = True
            super().setup()

        def handle(self):
            if self.failed:
                return
            while self._one():
                pass

        def _one(self):
            """Serve one request; False when the connection is done."""
            line = self.rfile.readline(MAX_LINE + 1)
            while line in (b"\r\n", b"\n"):  # stray line breaks between requests
                line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return False
            try:
                method, target, version = line.decode("latin-1").split()
                headers = read_headers(self.rfile)
                if (_value(headers, "expect") or "").lower() == "100-continue":
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # curl waits for it
                body = read_body(self.rfile, headers)
            except (ValueError, BadMessage):
                self.wfile.write(response_bytes(HttpResponse(400, [], b""), False, True))
                return False
            connection = (_value(headers, "connection") or "").lower()
            close = connection == "close" or (version == "HTTP/1.0" and
                                              connection != "keep-alive")
            split = urlsplit(target)
            try:
                response = tier.handle(HttpRequest(
                    method, split.path or "/", split.query, headers, body,
                    self.client_address[0], "https" if self.tls else "http",
                    version.partition("/")[2], self.tls))
            except Exception:  # an emulator bug must not look like a CloudFront answer
                traceback.print_exc()
                response = HttpResponse(500, [("Content-Type", "text/plain")],
                                        b"emulator internal error; see its stderr\n")
            self.wfile.write(response_bytes(response, method == "HEAD", close))
            return not close

    return Handler


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls = None  # tls.ViewerTls: HTTPS beside HTTP on this port, when set

    def handle_error(self, request, client_address):
        """A viewer that hangs up mid-request is its own business, not a traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    @property
    def server_port(self):
        return self.server_address[1]


class OriginClient:
    """One kept-alive connection to one origin, for one thread at a time."""

    def __init__(self, host, port, timeout):
        self.address, self.timeout = (host, port), timeout
        self._sock = self._rfile = None

    def _connect(self):
        self._sock = socket.create_connection(self.address, timeout=self.timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._rfile = self._sock.makefile("rb")

    def close(self):
        if self._sock is not None:
            self._rfile.close()
            self._sock.close()
        self._sock = self._rfile = None

    def exchange(self, method, target, headers, body):
        """(status, headers, body); OSError or BadMessage when the origin fails."""
        if self._sock is None:
            self._connect()
        lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers)]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
                           + body)
        while True:
            status_line = self._rfile.readline(MAX_LINE + 1)
            if not status_line:
                raise BadMessage("the origin closed the connection")
            status = int(status_line.split(None, 2)[1])
            answer_headers = read_headers(self._rfile)
            if status >= 200 or status == 101:
                break  # 1xx interim answers are skipped
        no_body = method == "HEAD" or status in (204, 304)
        if no_body:
            data = b""
        elif _value(answer_headers, "content-length") is None and "chunked" not in (
                _value(answer_headers, "transfer-encoding") or "").lower():
            data = self._rfile.read()  # delimited by the connection closing
            self.close()
        else:
            data = read_body(self._rfile, answer_headers)
        if (_value(answer_headers, "connection") or "").lower() == "close":
            self.close()
        return status, [(k, v) for k, v in answer_headers
                        if k.lower() not in ("transfer-encoding", "connection")], data
