"""The emulator's HTTP on both sides (frontend/server.py, frontend/client.py): framing by
llhttp, and nothing a handler or a caller gets wrong reaches a wire. Hostile input, as a
scanner or a broken client sends it, on raw sockets."""
import http.client
import socket
import threading
import time

import pytest

from edge_persist.emulator.frontend import client, fields
from edge_persist.emulator.frontend.loop import LoopThread, served
from edge_persist.emulator.frontend.messages import HttpResponse


class Echo:
    """A handler that answers with what it was given, and counts what reached it."""

    def __init__(self):
        self.seen = []

    def handle(self, request):
        self.seen.append(request)
        if request.path == "/split":  # a handler that gets its own headers wrong
            return HttpResponse(200, [("X-A\r\nSet-Cookie", "pwn=1")], b"x")
        if request.path == "/zero":
            return HttpResponse(0, [], b"")
        if request.path == "/value":
            return HttpResponse(200, [("X-A", "a\r\nSet-Cookie: pwn=1")], b"x")
        if request.path == "/slow":
            time.sleep(0.2)
        body = f"{request.method} {request.path}?{request.query} {len(request.body)}".encode()
        return HttpResponse(200, [("X-Seen", ",".join(f"{k}={v}" for k, v in request.headers))],
                            body)

    @staticmethod
    def refusal(status, why):
        return HttpResponse(status, [("X-Refused", "yes")], why.encode())


@pytest.fixture
def echo():
    handler = Echo()
    with served(handler, idle_timeout=1.0, read_timeout=1.0) as listener:
        yield handler, listener.port


def exchange(port, data, wait=2.0):
    """What the server answers to `data` on a fresh connection, until it closes (or `wait`)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def test_keep_alive_bodies_and_head(echo):
    _, port = echo
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("POST", "/a?x=1", body=b"hello", headers={"X-One": "1"})
    first = connection.getresponse()
    assert first.read() == b"POST /a?x=1 5" and "X-One=1" in first.getheader("X-Seen")
    connection.request("HEAD", "/b")  # the same connection: keep-alive
    head = connection.getresponse()
    assert head.read() == b"" and head.getheader("Content-Length") == str(len(b"HEAD /b? 0"))
    connection.close()


def test_chunked_request_and_expect_continue(echo):
    _, port = echo
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest("PUT", "/c")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Expect", "100-continue")
    connection.endheaders()
    connection.send(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    answer = connection.getresponse()
    assert answer.status == 200 and answer.read() == b"PUT /c? 5"


def test_pipelined_requests_are_answered_in_order(echo):
    _, port = echo
    answer = exchange(port, b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
                            b"GET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert answer.index(b"GET /slow?") < answer.index(b"GET /second?")
    assert answer.count(b"HTTP/1.1 200") == 2


@pytest.mark.parametrize("request_bytes, status", [
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"3\r\nabc\r\n0\r\n\r\n", 400),                                   # CL with TE
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n\r\nabcdefghij", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999\r\n\r\n", 413),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),          # obsolete folding
    (b"GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n", 400),                   # NUL in a field
    (b"GET / HTTP/1.1\nHost: a\n\n", 400),                              # bare LF
    (b"GET /\r\nno-colon-here\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),                                   # HTTP/1.1 without Host
    (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X-Big: " + b"b" * 70_000 + b"\r\n\r\n", 494),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc", 400),
])
def test_bad_framing_is_refused_and_closes_the_connection(echo, request_bytes, status):
    handler, port = echo
    answer = exchange(port, request_bytes)
    assert answer.startswith(b"HTTP/1.1 %d" % status), answer[:100]
    assert b"Connection: close" in answer and b"X-Refused: yes" in answer
    assert answer.count(b"Content-Length:") == 1  # one answer, then the end of the connection
    assert handler.seen == []


def test_an_upload_cut_short_is_never_handed_on(echo):
    handler, port = echo
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabcde")
    time.sleep(0.3)
    assert handler.seen == []


def test_a_half_sent_request_gets_408_and_an_idle_connection_closes(echo):
    handler, port = echo
    started = time.monotonic()
    answer = exchange(port, b"GET / HTTP/1.1\r\nHost: a\r\n", wait=5)
    assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 4
    started = time.monotonic()
    assert exchange(port, b"", wait=5) == b"" and time.monotonic() - started < 4
    assert handler.seen == []


@pytest.mark.parametrize("path", ["/split", "/zero", "/value"])
def test_a_handler_answer_that_cannot_be_written_is_replaced_by_its_502(echo, path):
    _, port = echo
    answer = exchange(port, f"GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                      .encode())
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert answer.startswith(b"HTTP/1.1 502") and b"set-cookie" not in head


# --- the origin client ----------------------------------------------------------------------

class RawOrigin:
    """An origin that answers each connection's request with fixed bytes, then closes."""

    def __init__(self, answer, linger=0.0):
        self.answer, self.linger, self.received = answer, linger, []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.received.append(conn.recv(65536))
                conn.sendall(self.answer)
                time.sleep(self.linger)


@pytest.fixture(scope="module")
def loop():
    thread = LoopThread("client-test")
    yield thread
    thread.stop()


def fetch(loop, port, method="GET", target="/o", headers=(("Host", "origin.example"),),
          body=b"", timeout=5.0):
    async def go():
        pool = client.OriginPool()
        try:
            return await pool.exchange("http", "127.0.0.1", port, method, target, list(headers),
                                       body, timeout, 5.0)
        finally:
            pool.close()
    return loop.call(go())


def test_the_client_reads_lengths_chunks_and_close_delimited_bodies(loop, echo):
    _, port = echo
    status, headers, body = fetch(loop, port, target="/o?q=2")
    assert status == 200 and body == b"GET /o?q=2 0"
    chunked = RawOrigin(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                        b"0\r\n\r\n")
    assert fetch(loop, chunked.port)[2] == b"abc"
    delimited = RawOrigin(b"HTTP/1.1 200 OK\r\nX: 1\r\n\r\nuntil the end")
    assert fetch(loop, delimited.port)[2] == b"until the end"
    interim = RawOrigin(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                        b"Content-Length: 2\r\n\r\nok")
    assert fetch(loop, interim.port)[:1] == (201,)


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcde",            # shorter than its length
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",   # a chunk cut short
    b"HTTP/1.1 0 Zero\r\nContent-Length: 0\r\n\r\n",                   # no status
    b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",     # obsolete folding
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
    b"garbage\r\n\r\n",
])
def test_a_truncated_or_malformed_answer_is_the_origins_failure(loop, answer):
    origin = RawOrigin(answer)
    with pytest.raises(client.OriginFailed):
        fetch(loop, origin.port)


def test_an_origin_that_stops_answering_is_a_timeout(loop):
    origin = RawOrigin(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", linger=3)
    started = time.monotonic()
    with pytest.raises(client.OriginTimeout):
        fetch(loop, origin.port, timeout=0.5)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("method, target, headers", [
    ("GET", "/x HTTP/1.1\r\n\r\nGET /second", [("Host", "o")]),       # smuggling in the uri
    ("GET", "/x?a=1 HTTP/1.1\r\nX: y", [("Host", "o")]),              # ... in the query
    ("GET", "/x", [("Host", "o"), ("X-A", "1\r\n\r\nGET /second HTTP/1.1")]),
    ("GET", "/x", [("Host", "o"), ("X-A\r\nX-B", "1")]),
    ("GET\r\nX", "/x", [("Host", "o")]),
    ("GET", "x", [("Host", "o")]),                                    # not origin-form
])
def test_nothing_unchecked_reaches_an_origin(loop, method, target, headers):
    origin = RawOrigin(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(fields.InvalidField):
        fetch(loop, origin.port, method, target, headers)
    time.sleep(0.1)
    assert origin.received == []  # nothing was sent at all


def test_fields_checks():
    assert fields.name_problem("X-Ok") is None and fields.name_problem("X Bad")
    assert fields.value_problem("x", "tab\tok") is None
    assert fields.value_problem("x", "nul\x00") and fields.value_problem("x", "\ud800")
    assert fields.status_problem(599) is None and fields.status_problem(600)
    assert fields.status_problem(True) and fields.status_problem("200")
    assert fields.path_problem("/a b") and fields.path_problem("/a#b")
    assert fields.path_problem("/caf\u00e9") is None  # UTF-8 goes on, as CloudFront forwards it
    assert fields.query_problem("a=1&b=2") is None and fields.query_problem("a=\r\n")


def test_a_loop_error_in_a_handler_is_its_500(echo):
    class Broken(Echo):
        def handle(self, request):
            raise KeyError("bug")
    with served(Broken()) as listener:
        answer = exchange(listener.port, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500") and b"Traceback" not in answer
