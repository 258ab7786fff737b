"""CloudFront standard logs (legacy), read for the forecast.

The format (CloudFront Developer Guide, "Standard logging (legacy)", log file format and
fields): gzip or plain text; `#Version: 1.0`, then `#Fields:` naming the tab-separated fields
of every line after it; field values URL-encoded; `-` for an empty field. Fields are read by
the `#Fields` line, never by position, so a file with fields in another order or with fewer
of them reads the same.

Which lines run the origin triggers: those whose request reached the origin. `Miss` and
`RefreshHit` did; `Hit` did not (a cache hit runs no origin trigger); `Error` did when its
`x-edge-detailed-result-type` names the origin (`OriginConnectError`, `OriginError`, ...,
`AbortedOrigin`) or is plain `Error` (the origin answered an error status); every other line
(a redirect, a throttle, a client error, a generated response) did not. Skipped lines are
counted by reason.
"""
import glob
import gzip
import io
import os
import time
from array import array
from calendar import timegm
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from edge_persist import regions
from edge_persist.errors import UsageError

FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
          "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type "
          "x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for "
          "ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
          "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type "
          "sc-content-type sc-content-len sc-range-start sc-range-end").split()
NEEDED = ("date", "time", "x-edge-location", "x-edge-result-type")
REACHED_ORIGIN = frozenset({"Miss", "RefreshHit"})
ORIGIN_ERRORS = frozenset({"Error", "AbortedOrigin", "SlowReaderOriginError"})

# Skip reasons, as the JSON reports them.
CACHE_HIT = "cache_hit"
NO_ORIGIN_FETCH = "no_origin_fetch"
NO_SESSION_KEY = "no_session_key"
UNKNOWN_POP = "unknown_pop"
MALFORMED = "malformed"
TOO_LONG = "line_too_long"

# No log line CloudFront writes comes near this (its URL and header quotas add up to tens of
# KiB); a longer one, a file with no line breaks say, is skipped in pieces of this size, so
# the reader's memory stays bounded whatever it is given.
MAX_LINE_CHARS = 1 << 20


@dataclass
class SessionKey:
    """--session-key: cookie:NAME, ip or ip+ua."""
    kind: str
    cookie: str = None

    @classmethod
    def parse(cls, text):
        kind, _, name = text.partition(":")
        if kind == "cookie" and name:
            return cls("cookie", name)
        if text in ("ip", "ip+ua"):
            return cls(text)
        raise ValueError(f"--session-key must be cookie:NAME, ip or ip+ua, not {text!r}")

    @property
    def fields(self):
        return {"cookie": ("cs(Cookie)",), "ip": ("c-ip",), "ip+ua": ("c-ip", "cs(User-Agent)")}[
            self.kind]


@dataclass
class Lines:
    """One file's replayable lines of one region, compact enough to ship between Dask
    workers: each line's epoch seconds and its session as a number, numbered per file in
    `sessions` (a session repeats across a file; its key is sent once)."""
    times: array = field(default_factory=lambda: array("d"))
    codes: array = field(default_factory=lambda: array("l"))
    sessions: list = field(default_factory=list)
    _numbers: dict = field(default_factory=dict, repr=False, compare=False)

    def add(self, at, session):
        number = self._numbers.get(session)
        if number is None:
            number = self._numbers[session] = len(self.sessions)
            self.sessions.append(session)
        self.times.append(at)
        self.codes.append(number)

    def keys(self):
        """Each line's session key, in line order."""
        return [self.sessions[c] for c in self.codes]

    def __getstate__(self):  # the look-up table is rebuilt, never shipped
        return {"times": self.times, "codes": self.codes, "sessions": self.sessions}

    def __setstate__(self, state):
        self.__dict__.update(state, _numbers={})


@dataclass
class Parsed:
    """One file's replayable lines, by region, and its counts."""
    lines_read: int = 0
    skipped: dict = field(default_factory=dict)
    cookies_logged: int = 0     # lines whose cookie field was not empty
    by_region: dict = field(default_factory=dict)  # region -> Lines

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def read_pop_regions(path):
    """A --pop-regions file: JSON {"IAD": "us-east-1", ...}, over the built-in table."""
    from edge_persist.errors import read_json
    table = read_json(path, "not a JSON object of airport code to region")
    if not isinstance(table, dict) or not all(
            isinstance(k, str) and v in regions.EDGE_LOG_REGIONS for k, v in table.items()):
        raise UsageError(f"{path}: expected {{\"IAD\": \"us-east-1\", ...}} with regions among "
                         f"{', '.join(regions.EDGE_LOG_REGIONS)}")
    return {**regions.POP_REGIONS, **{k.upper(): v for k, v in table.items()}}


def header(fields=FIELDS):
    """The two lines every standard log file starts with."""
    return f"#Version: 1.0\n#Fields: {' '.join(fields)}\n"


def line(record):
    """One log line from {field: value}: every field in FIELDS order, `-` where empty."""
    return "\t".join(str(record.get(name, "-")) or "-" for name in FIELDS) + "\n"


# --- where the logs are -----------------------------------------------------------------------

def expand(paths, endpoint_url=None):
    """Every log file the arguments name: files, folders (recursively), globs, and
    s3://bucket/prefix/ (listed now, read by the workers). One UsageError for a path that
    names nothing."""
    found = []
    for path in paths:
        if path.startswith("s3://"):
            found += _s3_keys(path, endpoint_url)
        elif any(c in path for c in "*?["):
            matches = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
            if not matches:
                raise UsageError(f"{path}: no file matches")
            found += matches
        elif os.path.isdir(path):
            found += sorted(str(p) for p in Path(path).rglob("*") if p.is_file())
        elif os.path.isfile(path):
            if not os.access(path, os.R_OK):
                raise UsageError(f"{path}: cannot read it")
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    if not found:
        raise UsageError(f"no log files in {', '.join(paths)}")
    return found


def _s3(endpoint_url):
    from edge_persist.aws import Aws
    return Aws(endpoint_url=endpoint_url).client("s3", "us-east-1")


def _s3_keys(url, endpoint_url):
    import botocore.exceptions
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    try:
        pages = _s3(endpoint_url).get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix)
        keys = [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        from edge_persist.errors import from_aws
        raise from_aws(err, f"listing {url}") from None
    if not keys:
        raise UsageError(f"{url}: no log files there")
    return sorted(keys)


def _open(location, endpoint_url):
    """A text stream over one log file, gzip or not."""
    if location.startswith("s3://"):
        bucket, _, key = location.removeprefix("s3://").partition("/")
        raw = io.BytesIO(_s3(endpoint_url).get_object(Bucket=bucket, Key=key)["Body"].read())
    else:
        raw = open(location, "rb")
    head = raw.read(2)
    raw.seek(0)
    stream = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="\n")


# --- reading one file -------------------------------------------------------------------------

def bounded_lines(stream, cap=MAX_LINE_CHARS):
    """The stream's lines, each at most `cap` characters; None stands for a longer one, read
    past in pieces of `cap`."""
    while line := stream.readline(cap):
        if len(line) < cap or line.endswith("\n"):
            yield line
            continue
        while (rest := stream.readline(cap)) and not rest.endswith("\n"):
            pass
        yield None


def parse_file(location, session_key, pop_regions=None, endpoint_url=None):
    """One file, read line by line into a Parsed. A file without a `#Fields` line is a
    UsageError; a malformed line is counted and skipped, never fatal."""
    pop_regions = pop_regions or regions.POP_REGIONS
    parsed = Parsed()
    reader = None
    try:
        with _open(location, endpoint_url) as stream:
            for line in bounded_lines(stream):
                if line is None:
                    parsed.lines_read += 1
                    parsed.skip(TOO_LONG)
                    continue
                if line[0] == "#":
                    if line.startswith("#Fields:"):
                        reader = _line_reader(_field_index(line, location, session_key),
                                              session_key, pop_regions, parsed)
                    continue
                if reader is None:
                    if not line.strip():
                        continue
                    raise UsageError(f"{location}: no #Fields line before the first log line; "
                                     "is it a CloudFront standard log?")
                reader(line)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise UsageError(f"{location}: cannot read it ({err})") from None
    if reader is None:
        raise UsageError(f"{location}: no #Fields line; is it a CloudFront standard log?")
    return parsed


def _field_index(line, location, session_key):
    names = line.split(":", 1)[1].split()
    index = {name: i for i, name in enumerate(names)}
    missing = [n for n in (*NEEDED, *session_key.fields) if n not in index]
    if missing:
        raise UsageError(f"{location}: the #Fields line lacks {', '.join(missing)}")
    return index


def _line_reader(index, session_key, pop_regions, parsed):
    """The per-line work as a closure over everything looked up once per file: this loop is
    the forecast's hottest, millions of lines a run, and closure cells read faster than
    attributes."""
    i_result, i_date, i_time = index["x-edge-result-type"], index["date"], index["time"]
    i_pop, i_detailed = index["x-edge-location"], index.get("x-edge-detailed-result-type")
    i_keys = [index[f] for f in session_key.fields]
    width = max(index.values()) + 1
    cookie = f"{session_key.cookie}=" if session_key.kind == "cookie" else None
    i_cookie = i_keys[0]
    clock = {}  # "YYYY-MM-DD\tHH:MM:SS" -> epoch seconds, per file
    by_region, skip, pops = parsed.by_region, parsed.skip, pop_regions
    reached = REACHED_ORIGIN

    def read(line):
        values = line.rstrip("\n").split("\t")
        if len(values) < width:
            if line.strip():
                parsed.lines_read += 1
                skip(MALFORMED)
            return
        parsed.lines_read += 1
        if cookie is not None:
            raw = values[i_cookie]
            if raw != "-":
                parsed.cookies_logged += 1
        result = values[i_result]
        if result not in reached:
            if result == "Hit":
                return skip(CACHE_HIT)
            detailed = values[i_detailed] if i_detailed is not None else "Error"
            if result != "Error" or not (detailed in ORIGIN_ERRORS or
                                         detailed.startswith("Origin")):
                return skip(NO_ORIGIN_FETCH)
        region = pops.get(values[i_pop][:3])
        if region is None:
            return skip(UNKNOWN_POP)
        session = _cookie_value(raw, cookie) if cookie is not None else \
            _session(session_key, [values[i] for i in i_keys])
        if session is None:
            return skip(NO_SESSION_KEY)
        stamp = values[i_date] + values[i_time]
        at = clock.get(stamp)
        if at is None:
            at = _epoch(values[i_date], values[i_time])
            if at is None:
                return skip(MALFORMED)
            clock[stamp] = at
        found = by_region.get(region)
        if found is None:
            found = by_region[region] = Lines()
        found.add(at, session)
    return read


def _epoch(day, clock):
    try:
        hours, minutes, seconds = clock.split(":")
        return timegm(time.strptime(day, "%Y-%m-%d")) + int(hours) * 3600 + \
            int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def _cookie_value(raw, wanted):
    """The value of cookie `wanted` ("name=") in a logged, URL-encoded Cookie header."""
    if raw == "-":
        return None
    start = raw.find(wanted)
    while start > 0 and raw[start - 1] not in "; " and not raw.endswith("%20", 0, start):
        start = raw.find(wanted, start + 1)  # "xep_session=" is another cookie
    if start < 0:
        return None
    start += len(wanted)
    stop = raw.find(";", start)
    value = raw[start:] if stop < 0 else raw[start:stop]
    value = unquote(value) if "%" in value else value
    return value.strip() or None


def _session(session_key, values):
    """An ip or ip+ua session key; None when a part of it was not logged."""
    if any(v in ("-", "") for v in values):
        return None
    return "\t".join(values)
