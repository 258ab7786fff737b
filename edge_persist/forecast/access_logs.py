"""CloudFront standard logs, read for the forecast: legacy and standard logging (v2).

Legacy (CloudFront Developer Guide, "Standard logging (legacy)", log file format and fields):
gzip text; `#Version: 1.0`, then `#Fields:` naming the tab-separated fields of every line
after it; field values URL-encoded; `-` for an empty field.

Standard logging (v2) ("Configure standard logging (v2)"): the delivery chooses the fields
(RecordFields: any subset, in any order, of the legacy fields and a few real-time ones such
as `timestamp(ms)`), the output format (JSON, plain, W3C, raw, or Parquet on S3) and the
field delimiter; it delivers to S3 (log_sources.py lists a prefix, partitioned or not) or
CloudWatch Logs. So fields are always found by name: a W3C `#Fields` line, JSON keys, Parquet
columns (whose names may spell `x_edge_location` for `x-edge-location`: names compare by their
letters and digits), or, for plain logs that name none, `--fields`. The format is told from
the content (Parquet's magic bytes, a `#` header, a JSON object), or given. Only the fields
the forecast reads must be there; a missing one is one line naming it and the delivery
setting that adds it.

Which lines run the origin triggers: those whose request reached the origin. `Miss` and
`RefreshHit` did; `Hit` did not (a cache hit runs no origin trigger); `Error` did when its
`x-edge-detailed-result-type` names the origin (`OriginConnectError`, `OriginError`, ...,
`AbortedOrigin`) or is plain `Error` (the origin answered an error status); every other line
(a redirect, a throttle, a client error, a generated response) did not. Skipped lines are
counted by reason.
"""
import gzip
import io
import json
import re
import time
from array import array
from calendar import timegm
from dataclasses import dataclass, field
from urllib.parse import unquote

from edge_persist import regions
from edge_persist.errors import UsageError
from edge_persist.forecast import log_sources

FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
          "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type "
          "x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for "
          "ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
          "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type "
          "sc-content-type sc-content-len sc-range-start sc-range-end").split()
# What a v2 delivery writes when its RecordFields name none: the legacy fields, then the
# real-time ones the guide's CreateDelivery example lists ("Configure standard logging (v2)").
V2_DEFAULT_FIELDS = (*FIELDS, "c-country", "cache-behavior-path-pattern")
NEEDED = ("x-edge-location", "x-edge-result-type")
# The time of a line: v2's timestamp(ms), else date and time (to the second).
SECONDS, MILLISECONDS = ("date", "time"), "timestamp(ms)"
# timestamp(ms) as CloudFront writes it: ASCII digits, few enough for a 64-bit integer (a
# Parquet column's type); anything else (a sign, "1_000", other scripts' digits) is malformed.
MILLISECONDS_FORM = re.compile(r"[0-9]{1,18}")
DETAILED = "x-edge-detailed-result-type"
# `raw` is read as `plain`: the guide names it and shows no example of it.
FORMATS = ("auto", "w3c", "json", "plain", "raw", "parquet")
DELIMITERS = ("\t", " ", ",", "|", ";")
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


@dataclass(frozen=True)
class ReadOptions:
    """--log-format (auto: from the content), --fields (the field names of plain logs, their
    delivery's RecordFields), --field-delimiter (of plain and W3C lines; auto: tab, or the
    one that splits the first line into its fields)."""
    format: str = "auto"
    fields: tuple = None
    delimiter: str = None


@dataclass
class Lines:
    """One file's replayable lines of one region, compact enough to ship between Dask
    workers: each line's epoch seconds and its session as a number, numbered per file in
    `sessions` (a session repeats across a file; its key is sent once). `precision`: how
    finely the log gives the time (1 s for date and time, 1 ms for timestamp(ms))."""
    times: array = field(default_factory=lambda: array("d"))
    codes: array = field(default_factory=lambda: array("i"))
    sessions: list = field(default_factory=list)
    precision: float = 1.0
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

    def extend(self, times, sessions, codes):
        """Many lines at once (the vectorized Parquet reader): their times and each one's
        session as a code into `sessions`, both numpy arrays."""
        import numpy
        local = numpy.fromiter(map(self._number, sessions), dtype=numpy.int64,
                               count=len(sessions))
        self.times.frombytes(numpy.asarray(times, dtype=numpy.float64).tobytes())
        self.codes.frombytes(local[codes].astype(f"i{self.codes.itemsize}").tobytes())

    def _number(self, session):
        number = self._numbers.get(session)
        if number is None:
            number = self._numbers[session] = len(self.sessions)
            self.sessions.append(session)
        return number

    def __getstate__(self):  # the look-up table is rebuilt, never shipped
        return {"times": self.times, "codes": self.codes, "sessions": self.sessions,
                "precision": self.precision}

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


def canonical(name):
    """A field name by its letters and digits: `cs(Cookie)`, `cs_cookie` and `CS-Cookie`
    are one field."""
    return _NOT_ALNUM.sub("", str(name).lower())


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def locate(names, location, session_key):
    """{legacy field name: its position in `names`} for every field the forecast reads; a
    UsageError naming what is missing, and the delivery setting that adds it."""
    where = {}
    for i, name in enumerate(names):
        where.setdefault(canonical(name), i)
    index = {name: where[canonical(name)] for name in
             (*NEEDED, *session_key.fields, *SECONDS, MILLISECONDS, DETAILED)
             if canonical(name) in where}
    timed = all(n in index for n in SECONDS) or MILLISECONDS in index
    missing = [n for n in (*NEEDED, *session_key.fields) if n not in index] + \
        ([] if timed else [f"{', '.join(n for n in SECONDS if n not in index)} (or "
                           f"{MILLISECONDS})"])
    if missing:
        cookies = "; for cs(Cookie), turn on the distribution's cookie logging too, or pass " \
            "--session-key ip" if "cs(Cookie)" in missing else ""
        raise UsageError(f"{location}: the logs lack {', '.join(missing)}; add "
                         f"{'it' if len(missing) == 1 else 'them'} to the delivery's "
                         f"RecordFields (AWS::Logs::Delivery; Field selection in the "
                         f"console){cookies}")
    return index


def parse_file(source, session_key, pop_regions=None, endpoint_url=None,
               options=ReadOptions()):
    """One log source (a file or S3 object, a Parquet row group, a CloudWatch Logs stream),
    read into a Parsed. A source whose fields cannot be found is a UsageError; a malformed
    line is counted and skipped, never fatal."""
    pop_regions = pop_regions or regions.POP_REGIONS
    parsed = Parsed()
    try:
        if isinstance(source, log_sources.LogStream):
            _parse_text(log_sources.stream_messages(source, endpoint_url), str(source),
                        session_key, pop_regions, parsed, options)
        elif isinstance(source, log_sources.ParquetPart) or options.format == "parquet":
            from edge_persist.forecast import parquet_logs
            parquet_logs.parse(source, session_key, pop_regions, parsed, endpoint_url)
        else:
            with log_sources.read_bytes(source, endpoint_url) as raw:
                head = raw.read(4)
                raw.seek(0)
                if head == log_sources.PARQUET_MAGIC:
                    from edge_persist.forecast import parquet_logs
                    parquet_logs.parse(raw, session_key, pop_regions, parsed, endpoint_url,
                                       name=source)
                    return parsed
                stream = gzip.GzipFile(fileobj=raw) if head[:2] == b"\x1f\x8b" else raw
                with io.TextIOWrapper(stream, encoding="utf-8", errors="replace",
                                      newline="\n") as text:
                    _parse_text(bounded_lines(text), source, session_key, pop_regions, parsed,
                                options)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise UsageError(f"{source}: cannot read it ({err})") from None
    return parsed


def _parse_text(lines, location, session_key, pop_regions, parsed, options):
    """Text logs, W3C, JSON or plain, line by line (a CloudWatch Logs message is a line)."""
    kind = {"auto": None, "raw": "plain"}.get(options.format, options.format)
    names = options.fields  # a #Fields line of the file itself wins
    read = None  # the reader of one line, once the fields and the delimiter are known
    for line in lines:
        if line is None:
            parsed.lines_read += 1
            parsed.skip(TOO_LONG)
            continue
        if read is not None and line[:1] != "#":
            read(line)
            continue
        if not line.strip():
            continue
        kind = kind or ("w3c" if line[0] == "#" else "json" if line.lstrip()[0] == "{"
                        else "plain")
        if line[0] == "#":
            if kind == "w3c" and line.startswith("#Fields:"):
                names, read = line.split(":", 1)[1].split(), None
            continue
        if kind == "json":
            first = _json_object(line)
            if first is None:
                raise UsageError(f"{location}: the first log line is not a JSON object; "
                                 "pass --log-format if it is another format")
            keys = list(first)
            index = locate(keys, location, session_key)
            read = _json_reader(keys, index, session_key, pop_regions, parsed)
        elif names is None and (names := _default_fields(line)) is None:
            raise UsageError(
                f"{location}: no #Fields line before the first log line; is it a CloudFront "
                "standard log?" if kind == "w3c" else
                f"{location}: no #Fields line and not JSON, so the logs name no fields: if "
                "they are plain (the delivery's output format), pass --fields with its "
                "RecordFields, in order")
        else:
            index = locate(names, location, session_key)
            text = line.rstrip("\n")
            delimiter = options.delimiter or next(
                (d for d in DELIMITERS if len(text.split(d)) == len(names)), "\t")
            read = _row_reader(index, session_key, pop_regions, parsed, delimiter)
        read(line)
    if read is None:
        raise UsageError(f"{location}: no #Fields line, JSON object or log line; is it a "
                         "CloudFront standard log?")


def _default_fields(line):
    """The fields of a line that names none, when it has as many values as the legacy
    fields or a v2 delivery's default RecordFields: those, in their order."""
    text = line.rstrip("\n")
    counts = {len(text.split(d)) for d in DELIMITERS}
    return next((f for f in (FIELDS, V2_DEFAULT_FIELDS) if len(f) in counts), None)


def _json_object(line):
    """A line's JSON object, None for anything else: a line json.loads cannot decode, or one
    nested deep enough to exhaust its recursion, is just another malformed line."""
    try:
        found = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None


def _json_reader(keys, index, session_key, pop_regions, parsed):
    """JSON lines (v2): each object's values of the keys the forecast reads, in the order of
    the first object's keys."""
    wanted = sorted(set(index.values()))
    names = [keys[i] for i in wanted]
    row = _row_reader({name: wanted.index(i) for name, i in index.items()}, session_key,
                      pop_regions, parsed)

    def read(line):
        found = _json_object(line)
        if found is None:
            parsed.lines_read += 1
            parsed.skip(MALFORMED)
            return
        row([_json_text(found.get(name)) for name in names])
    return read


def _json_text(value):
    """A JSON value as the text formats write it: `-` for none."""
    return "-" if value is None or value == "" else str(value)


def _row_reader(index, session_key, pop_regions, parsed, delimiter=None):
    """The per-line work as a closure over everything looked up once per file: this loop is
    the forecast's hottest, millions of lines a run, and closure cells read faster than
    attributes. It takes a line to split at `delimiter`, or (with none) the values."""
    i_result, i_pop = index["x-edge-result-type"], index["x-edge-location"]
    i_detailed = index.get(DETAILED)
    i_ms = index.get(MILLISECONDS)  # the finer time, when the log has both
    i_date, i_time = index.get("date"), index.get("time")
    precision = 0.001 if i_ms is not None else 1.0
    i_keys = [index[f] for f in session_key.fields]
    width = max(index.values()) + 1
    cookie = f"{session_key.cookie}=" if session_key.kind == "cookie" else None
    i_cookie = i_keys[0]
    clock = {}  # "YYYY-MM-DD" + "HH:MM:SS" -> epoch seconds, per file
    by_region, skip, pops = parsed.by_region, parsed.skip, pop_regions
    reached = REACHED_ORIGIN

    def read(values):
        if delimiter is not None:
            line = values
            values = line.rstrip("\n").split(delimiter)
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
        if i_ms is not None:
            at = _milliseconds(values[i_ms])
        else:
            stamp = values[i_date] + values[i_time]
            at = clock.get(stamp)
            if at is None:
                at = clock[stamp] = _epoch(values[i_date], values[i_time])
        if at is None:
            return skip(MALFORMED)
        found = by_region.get(region)
        if found is None:
            found = by_region[region] = Lines(precision=precision)
        found.add(at, session)
    return read


def _milliseconds(value):
    return int(value) / 1000 if MILLISECONDS_FORM.fullmatch(value) else None


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
