"""A custom origin on loopback that writes raw bytes: a well-formed answer, or, for a path
ending /misbehave/KIND, one of MISBEHAVIOURS. It parses what it is sent with llhttp
(httptools), so it records every request that reached it, smuggled ones included."""
import socket
import socketserver
import threading

import httptools

BODY = b"from the raw origin"
WELL_FORMED = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
               + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
# kind -> the bytes written before the connection is closed (None: nothing, held open)
MISBEHAVIOURS = {
    "short-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part",
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "length-and-chunked": (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    "cut-chunks": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    "status-999": b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n",
    "status-text": b"HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n",
    "nul-in-value": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n",
    "space-in-name": b"HTTP/1.1 200 OK\r\nX A: b\r\nContent-Length: 0\r\n\r\n",
    "folded": b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n",
    "bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "length-1_0": b"HTTP/1.1 200 OK\r\nContent-Length: 1_0\r\n\r\n0123456789",
    "huge-header": (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000
                    + b"\r\nContent-Length: 0\r\n\r\n"),
    "garbage": b"\x16\x03\x01\x00\x05hello",
    "closed": b"",
    "silent": None,
}


class RawOrigin:
    def __init__(self):
        self.requests = []  # (url, {name: value}) per request parsed, in order
        self._lock = threading.Lock()
        origin = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                origin._serve(self.request)

        socketserver.ThreadingTCPServer.daemon_threads = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _serve(self, sock):
        sock.settimeout(5)
        parsed = []
        current = {}

        class Protocol:
            def on_url(self, url):
                current["url"] = current.get("url", b"") + url

            def on_header(self, name, value):
                current.setdefault("headers", {})[name.decode("latin-1").lower()] = \
                    value.decode("latin-1")

            def on_message_complete(self):
                parsed.append((current.pop("url", b"").decode("latin-1"),
                               current.pop("headers", {})))

        parser = httptools.HttpRequestParser(Protocol())
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                done = len(parsed)
                try:
                    parser.feed_data(data)
                except httptools.HttpParserError:
                    return
                for url, headers in parsed[done:]:
                    with self._lock:
                        self.requests.append((url, headers))
                    kind = url.split("?")[0].rsplit("/misbehave/", 1)[-1] \
                        if "/misbehave/" in url else None
                    answer = MISBEHAVIOURS.get(kind, WELL_FORMED)
                    if answer is None:
                        sock.recv(1)  # held until the emulator gives up
                        return
                    sock.sendall(answer)
                    if kind is not None:
                        return
        except OSError:
            return
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def taken(self):
        """The requests received since the last call."""
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
