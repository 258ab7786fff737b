"""Where a distribution's standard logs are, and the bytes of each: files, folders, globs,
S3 prefixes (partitioned or not, Hive-compatible names or not: a prefix lists every key under
it), and CloudWatch Logs groups a standard logging (v2) delivery writes to.

Each source is one unit of work for a Dask worker: a file, an S3 object, one row group of a
local Parquet file (a worker reads its row group and no other), or one CloudWatch Logs stream.
"""
import glob
import io
import os
from dataclasses import dataclass
from pathlib import Path

from edge_persist.errors import UsageError

PARQUET_MAGIC = b"PAR1"
# CloudWatch Logs pages are bounded by the API (10,000 events or 1 MB); so is the number of
# pages one stream is read in, so a reader always ends.
MAX_PAGES_PER_STREAM = 100_000
# An event is at most 256 KiB; a longer line is not a log record (access_logs counts it).
MAX_MESSAGE_CHARS = 1 << 18


@dataclass(frozen=True)
class ParquetPart:
    """One row group of a local Parquet file."""
    path: str
    row_group: int

    def __str__(self):
        return f"{self.path} (row group {self.row_group})"


@dataclass(frozen=True)
class LogStream:
    """One CloudWatch Logs stream of a group, within [start_ms, end_ms)."""
    region: str
    group: str
    stream: str
    start_ms: int = None
    end_ms: int = None

    def __str__(self):
        return f"{self.group}/{self.stream}"


def expand(paths, endpoint_url=None):
    """Every log source the arguments name; one UsageError for a path that names nothing."""
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
    return [part for source in found for part in _row_groups(source)]


def _row_groups(source):
    """A local Parquet file as its row groups (read from its footer); anything else whole."""
    if not isinstance(source, str) or source.startswith("s3://"):
        return [source]
    try:
        with open(source, "rb") as head:
            magic = head.read(4)
    except OSError as err:
        raise UsageError(f"{source}: cannot read it ({err.strerror})") from None
    if magic != PARQUET_MAGIC:
        return [source]
    parquet = _parquet()
    try:
        groups = parquet.ParquetFile(source).num_row_groups
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise UsageError(f"{source}: not a readable Parquet file ({err})") from None
    return [ParquetPart(source, g) for g in range(groups)]


def _parquet():
    from edge_persist.errors import optional
    return optional("pyarrow.parquet")


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


def read_bytes(location, endpoint_url=None):
    """A seekable binary stream over one file or S3 object."""
    if location.startswith("s3://"):
        bucket, _, key = location.removeprefix("s3://").partition("/")
        return io.BytesIO(_s3(endpoint_url).get_object(Bucket=bucket, Key=key)["Body"].read())
    return open(location, "rb")


# --- CloudWatch Logs ----------------------------------------------------------------------

def _logs(region, endpoint_url):
    from edge_persist.aws import Aws
    return Aws(endpoint_url=endpoint_url).client("logs", region)


def log_streams(group, region, endpoint_url=None, start_ms=None, end_ms=None):
    """Every stream of a CloudWatch Logs group, each a LogStream to read."""
    import botocore.exceptions
    try:
        pages = _logs(region, endpoint_url).get_paginator("describe_log_streams").paginate(
            logGroupName=group)
        names = [s["logStreamName"] for page in pages for s in page.get("logStreams", [])]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        from edge_persist.errors import from_aws
        raise from_aws(err, f"listing the streams of {group} in {region}") from None
    if not names:
        raise UsageError(f"{group} ({region}): no log streams, so no logs to replay")
    return [LogStream(region, group, name, start_ms, end_ms) for name in sorted(names)]


def stream_messages(stream, endpoint_url=None):
    """The lines of one stream's messages, oldest first, as CloudWatch Logs keeps them (None
    for one too long to be a record)."""
    import botocore.exceptions
    logs = _logs(stream.region, endpoint_url)
    window = {k: v for k, v in (("startTime", stream.start_ms), ("endTime", stream.end_ms))
              if v is not None}
    token = None
    try:
        for _ in range(MAX_PAGES_PER_STREAM):
            page = logs.get_log_events(logGroupName=stream.group, logStreamName=stream.stream,
                                       startFromHead=True, **window,
                                       **({"nextToken": token} if token else {}))
            for event in page.get("events", []):
                # One record per event; a W3C header may come as one event of two lines.
                for line in str(event.get("message", "")).splitlines():
                    yield line if len(line) <= MAX_MESSAGE_CHARS else None
            if not page.get("events") or page.get("nextForwardToken") in (None, token):
                return
            token = page["nextForwardToken"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
        from edge_persist.errors import from_aws
        raise from_aws(err, f"reading {stream}") from None
