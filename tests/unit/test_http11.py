"""The emulator's lean HTTP/1.1: what viewers and origins send, read as the standard does."""
import http.client
import threading

import pytest

from edge_persist.emulator.frontend import http11
from edge_persist.emulator.frontend.messages import HttpResponse


class Echo:
    """A tier that answers with what it was given."""

    def handle(self, request):
        body = f"{request.method} {request.path}?{request.query} {len(request.body)}".encode()
        return HttpResponse(200, [("X-Seen", ",".join(f"{k}={v}" for k, v in request.headers))],
                            body)


@pytest.fixture(scope="module")
def server():
    srv = http11.Server(("127.0.0.1", 0), http11.handler_for(Echo()))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_keep_alive_bodies_and_head(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    connection.request("POST", "/a?x=1", body=b"hello", headers={"X-One": "1"})
    first = connection.getresponse()
    assert first.read() == b"POST /a?x=1 5" and "X-One=1" in first.getheader("X-Seen")
    connection.request("HEAD", "/b")  # the same connection: keep-alive
    head = connection.getresponse()
    assert head.read() == b"" and head.getheader("Content-Length") == str(len(b"HEAD /b? 0"))
    connection.close()


def test_chunked_request_and_expect_continue(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
    connection.putrequest("PUT", "/c")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Expect", "100-continue")
    connection.endheaders()
    connection.send(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    answer = connection.getresponse()
    assert answer.status == 200 and answer.read() == b"PUT /c? 5"


def test_a_malformed_request_gets_400_and_the_connection_closes(server):
    import socket
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
        sock.sendall(b"GET /\r\nno-colon-here\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def test_the_origin_client_reads_lengths_chunks_and_closes(server):
    client = http11.OriginClient("127.0.0.1", server.server_port, 5)
    status, headers, body = client.exchange("GET", "/o?q=2", [("Host", "origin.example")], b"")
    assert status == 200 and body == b"GET /o?q=2 0"
    status, _, body = client.exchange("POST", "/p", [("Host", "origin.example")], b"xyz")
    assert body == b"POST /p? 3"  # the same kept connection
    client.close()
