"""Why the emulator parses HTTP with llhttp (httptools): the same viewer requests and origin
answers parsed by it and by h11, the pure-Python candidate (uvicorn ships both), in one run.

    .venv/bin/python -m bench.http_parsers

Each side parses a browser-like GET (12 headers) and an origin's 200 (8 headers, a 1 KiB
body), enforcing framing and field syntax; both refuse the same malformed input (checked
first). Five rounds, A B A B; microseconds per message, min/median/max, and h11 over
httptools. granian, the other candidate, is a whole server in Rust: its parser cannot sit in
the emulator's event loop, so it is not in this race.
"""
import statistics
import timeit

import h11
import httptools
from bench.common import run

REQUEST = (b"GET /products/42?ref=home&lang=en HTTP/1.1\r\nHost: d111111abcdef8.cloudfront.net"
           b"\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0\r\nAccept: text/html,"
           b"application/xhtml+xml\r\nAccept-Language: en-GB,en;q=0.5\r\nAccept-Encoding: gzip,"
           b" br\r\nCookie: ep_session=abc123; theme=dark\r\nReferer: https://example.com/\r\n"
           b"Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Site: same-origin"
           b"\r\nUpgrade-Insecure-Requests: 1\r\nPriority: u=0, i\r\n\r\n")
BODY = b"x" * 1024
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            + str(len(BODY)).encode() + b"\r\nCache-Control: max-age=60\r\nETag: \"abc\"\r\n"
            b"Last-Modified: Mon, 07 Dec 2026 04:00:00 GMT\r\nVary: Accept-Encoding\r\n"
            b"Server: origin\r\nDate: Mon, 07 Dec 2026 04:00:00 GMT\r\n\r\n" + BODY)
MALFORMED = [b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n\r\n",
             b"GET / HTTP/1.1\r\nHo st: a\r\n\r\n", b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n"]
ROUNDS, NUMBER = 5, 5000


class _Sink:
    """httptools' callbacks, keeping what the emulator keeps: url, headers, body."""

    def __init__(self):
        self.headers, self.body, self.done = [], [], False

    def on_url(self, url):
        self.url = url

    def on_header(self, name, value):
        self.headers.append((name, value))

    def on_body(self, body):
        self.body.append(body)

    def on_message_complete(self):
        self.done = True


def httptools_request(data=REQUEST):
    sink = _Sink()
    httptools.HttpRequestParser(sink).feed_data(data)
    return sink.done


def httptools_response():
    sink = _Sink()
    httptools.HttpResponseParser(sink).feed_data(RESPONSE)
    return sink.done


def _h11(role, data):
    connection = h11.Connection(role)
    connection.receive_data(data)
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA or isinstance(event, h11.EndOfMessage):
            return event is not h11.NEED_DATA


def h11_request(data=REQUEST):
    return _h11(h11.SERVER, data)


def h11_response():
    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method="GET", target="/", headers=[("Host", "a")]))
    connection.receive_data(RESPONSE)
    while not isinstance(connection.next_event(), h11.EndOfMessage):
        pass
    return True


def refuses(parse, data):
    try:
        return not parse(data)
    except (httptools.HttpParserError, h11.RemoteProtocolError):
        return True


def per_message_us(fn):
    return min(timeit.repeat(fn, number=NUMBER, repeat=3)) / NUMBER * 1e6


def main():
    for data in MALFORMED:  # a fair race: both enforce what the emulator relies on
        assert refuses(httptools_request, data) and refuses(h11_request, data), data
    assert httptools_request() and h11_request() and httptools_response() and h11_response()
    print(f"command: .venv/bin/python -m bench.http_parsers  ({ROUNDS} rounds, A B A B)")
    for label, ours, other in (("viewer request", httptools_request, h11_request),
                               ("origin response", httptools_response, h11_response)):
        a, b = [], []
        for _ in range(ROUNDS):
            a.append(per_message_us(ours))
            b.append(per_message_us(other))
        ratios = [y / x for x, y in zip(a, b)]
        print(f"{label:<16} httptools {min(a):6.2f}/{statistics.median(a):6.2f}/{max(a):6.2f} us"
              f"   h11 {min(b):6.2f}/{statistics.median(b):6.2f}/{max(b):6.2f} us   "
              f"h11/httptools {min(ratios):5.1f}/{statistics.median(ratios):5.1f}/"
              f"{max(ratios):5.1f}x  (min/median/max)")


if __name__ == "__main__":
    run(main)
