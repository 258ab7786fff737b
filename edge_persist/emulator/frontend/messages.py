"""The HTTP messages every tier passes to the next: what a viewer sent, what it gets back."""
from dataclasses import dataclass, field
from http import HTTPStatus

_REASONS = {s.value: s.phrase for s in HTTPStatus}


def reason(status):
    """The standard phrase of a status, or "" for one HTTP does not name."""
    return _REASONS.get(status, "")


class _Headers:
    def header_values(self, name):
        """Every value of header `name`, names compared case-insensitively, in order."""
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclass
class HttpRequest(_Headers):
    method: str
    path: str
    query: str
    headers: list  # [(name, value)] in arrival order
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    protocol: str = "http"       # how the viewer connected: "http", or "https" over TLS
    http_version: str = "1.1"    # of the viewer's request line: "1.0" or "1.1"
    tls: tuple = None            # over https: (TLS version, cipher), as negotiated
    client_port: int = 0         # the viewer's source port


@dataclass
class HttpResponse(_Headers):
    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""
    close: bool = False          # the server ends the connection once this is written
