"""Cache behaviors: which one serves a request, and what each one says.

Rules (CloudFront Developer Guide, "Cache behavior settings", Path pattern and Allowed HTTP
methods):
- CacheBehaviors are tried in the order they are declared; the first whose pattern matches
  the request path serves it, else the default behavior does. No specificity ranking.
- Patterns are case-sensitive; `*` matches any run of characters (slashes included), `?`
  exactly one; a pattern without a leading `/` is read as if it had one.
- A method the behavior does not allow gets 403 from CloudFront.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache

DEFAULT_METHODS = ("GET", "HEAD")


@dataclass
class Association:
    event_type: str
    include_body: bool
    function: object          # environments.pool.LambdaFunctionSpec


@dataclass
class Behavior:
    path_pattern: str         # None for the default behavior
    target_origin_id: str
    allowed_methods: tuple
    cached_methods: tuple
    cache_policy: object      # policies.CachePolicy
    request_policy: object    # policies.OriginRequestPolicy
    associations: dict = field(default_factory=dict)  # event type -> Association
    functions: dict = field(default_factory=dict)     # event type -> CloudFront function
    compress: bool = False    # Compress: CloudFront compresses answers for the viewer
    response_headers: object = None  # response_headers.ResponseHeadersPolicy, when set
    viewer_protocol_policy: str = "allow-all"  # or redirect-to-https, https-only
    trusted_keys: dict = None  # TrustedKeyGroups' public keys by id: only signed requests pass

    def matches(self, path):
        return self.path_pattern is None or _pattern(self.path_pattern).fullmatch(path) is not None


@lru_cache(maxsize=None)
def _pattern(path_pattern):
    if not path_pattern.startswith("/"):
        path_pattern = "/" + path_pattern
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                    for c in path_pattern)
    return re.compile(regex, re.DOTALL)


def normalized(path):
    """The path with its dot segments removed (RFC 3986, 5.2.4), as CloudFront normalizes a
    URI before it matches the path patterns ("Cache behavior settings", Path pattern)."""
    if "." not in path:
        return path
    out = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    last = path.rsplit("/", 1)[-1]
    trailing = "/" if last in (".", "..") and out else ""
    return "/" + "/".join(out) + trailing


def choose(behaviors, default, path):
    """The behavior that serves `path`: the first declared match, else the default."""
    return next((b for b in behaviors if b.matches(path)), default)


def methods(value, fallback=DEFAULT_METHODS):
    if isinstance(value, dict):  # the API's {Items: [...]} shape
        value = value.get("Items")
    return tuple(str(m).upper() for m in value) if value else fallback
