"""What may reach a wire: HTTP's field syntax (RFC 9110, section 5), status codes and request
targets, checked in one place.

Every message the emulator writes passes here first: a function's result (Lambda@Edge,
CloudFront Functions, a Function URL or ALB target) is checked by its validator with these,
and the server and the origin client refuse to write anything that fails them, so a name
with CR LF, a status of 0 or a `uri` holding a second request line can never reach a viewer
or an origin.
"""
import re

# RFC 9110, 5.6.2: a field name is a token.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110, 5.5: a field value holds no control character but horizontal tab (no CR, LF or
# NUL among them), and no leading or trailing whitespace.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A request target's path and query: no whitespace or control character (they would end the
# request line), and no fragment ("Restrictions on all edge functions", Query strings: no
# spaces, control characters or `#`).
TARGET_FORBIDDEN = re.compile(r"[\x00-\x20\x7f#]")
MIN_STATUS, MAX_STATUS = 100, 599


class InvalidField(ValueError):
    """Something that cannot be written as HTTP; its message says what."""


def name_problem(name):
    """Why `name` is not a field name, or None."""
    if not isinstance(name, str) or not TOKEN.fullmatch(name):
        return f"the header name {name!r} is not an HTTP token"
    return None


def value_problem(name, value):
    """Why `value` cannot be the value of header `name`, or None."""
    if not isinstance(value, str):
        return f"header {name!r}: its value must be a string"
    if CONTROL.search(value):
        return f"header {name!r}: its value holds a control character (CR, LF, NUL or another)"
    if not value.isascii() and not _encodable(value):
        return f"header {name!r}: its value is not valid Unicode (a lone surrogate)"
    return None


def _encodable(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def status_problem(status, minimum=MIN_STATUS):
    """Why `status` cannot be a response's status code, or None."""
    if isinstance(status, bool) or not isinstance(status, int) or \
            not minimum <= status <= MAX_STATUS:
        return f"status {status!r} is not a number from {minimum} to {MAX_STATUS}"
    return None


def path_problem(path):
    """Why `path` cannot be the path of a request target (origin-form), or None."""
    if not isinstance(path, str) or not path.startswith("/"):
        return f"the uri {path!r} does not start with /"
    if TARGET_FORBIDDEN.search(path):
        return f"the uri {path!r} holds whitespace, a control character or #"
    if not path.isascii() and not _encodable(path):
        return f"the uri {path!r} is not valid Unicode (a lone surrogate)"
    return None


def query_problem(query):
    """Why `query` cannot be a request target's query string, or None."""
    if not isinstance(query, str):
        return f"the query string {query!r} is not a string"
    if TARGET_FORBIDDEN.search(query):
        return f"the query string {query!r} holds whitespace, a control character or #"
    if not query.isascii() and not _encodable(query):
        return f"the query string {query!r} is not valid Unicode (a lone surrogate)"
    return None


def headers_problem(headers):
    """The first reason [(name, value)] cannot be written as header fields, or None."""
    try:
        field_lines(headers)
        return None
    except InvalidField as err:
        return str(err)


def _first_problem(headers):
    for name, value in headers:
        problem = name_problem(name) or value_problem(name, value)
        if problem:
            return problem
    return None


def capitalized(name):
    """A lowercase field name as CloudFront writes a header that came without its own
    spelling: each hyphen-separated part with an initial capital (`example-header` is
    `Example-Header`; "CloudFront Functions event structure", "Lambda@Edge event
    structure")."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def encoded(text):
    """A field value or target on the wire: ISO-8859-1 as HTTP/1.1 reads it, or UTF-8 when it
    holds characters beyond it (as CloudFront forwards a function's UTF-8 values)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


# A block of field lines as they go on a wire, checked in one pass: every name a token, every
# value free of control characters.
_FIELD_LINES = re.compile(r"(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+: [^\x00-\x08\x0a-\x1f\x7f]*\r\n)*")


def field_lines(headers, skip=frozenset()):
    """The header fields (but those whose lowercase name is in `skip`) as they go on the
    wire, a `name: value` CRLF line each; InvalidField when one cannot be written."""
    if not all(type(name) is str and type(value) is str for name, value in headers):
        raise InvalidField(_first_problem(headers) or "a header name or value is not text")
    lines = [f"{name}: {value}\r\n" for name, value in headers if name.lower() not in skip]
    text = "".join(lines)
    # A CR LF inside a name or value would make one field two lines, each well formed.
    if text.count("\r\n") != len(lines) or not _FIELD_LINES.fullmatch(text):
        raise InvalidField(_first_problem(headers) or "a header field cannot be written")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # a value beyond ISO-8859-1: that value goes as UTF-8
        try:
            return b"".join(name.encode() + b": " + encoded(value) + b"\r\n"
                            for name, value in headers if name.lower() not in skip)
        except UnicodeEncodeError:
            raise InvalidField(_first_problem(headers) or "a header value is not valid "
                               "Unicode") from None
