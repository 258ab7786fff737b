"""Read the contract's log lines out of CloudWatch Logs, in one region or many at once."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions

from edge_persist import contract
from edge_persist.errors import from_aws

_decoder = json.JSONDecoder()
CONTRACT_EVENTS = (contract.EVENT_EDGE_INIT, contract.EVENT_ORIGIN_REQUEST,
                   contract.EVENT_EDGE_STATS)


def parse_line(message):
    """The contract object in one log message, or None for anything else.

    Accepts a bare JSON line, Lambda's JSON envelope (the object, or its text, in `message`),
    and text-format prefixes such as "[INFO]\\t<time>\\t<request id>\\t{...}". START, END,
    REPORT, foreign and malformed lines give None.
    """
    if not message:
        return None
    start = message.find("{")
    if start < 0:
        return None
    try:
        obj, _ = _decoder.raw_decode(message, start)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    if "event" not in obj and "message" in obj:
        inner = obj["message"]
        obj = parse_line(inner) if isinstance(inner, str) else inner
        if not isinstance(obj, dict):
            return None
    return obj if obj.get("event") in CONTRACT_EVENTS else None


def fetch(client, group, start_ms, end_ms, term=None):
    """Every event of `group` in [start_ms, end_ms], following pagination.

    `term` is a simple filter term (moto and CloudWatch both understand those).
    Raises botocore's ResourceNotFoundException when the group does not exist.
    """
    kwargs = {"logGroupName": group, "startTime": int(start_ms), "endTime": int(end_ms)}
    if term:
        kwargs["filterPattern"] = f'"{term}"'
    for page in client.get_paginator("filter_log_events").paginate(**kwargs):
        yield from page.get("events", [])


def contract_events(client, group, start_ms, end_ms, event_name):
    """(timestamp_ms, parsed object, log stream) for each `event_name` line of the group."""
    found = []
    for raw in fetch(client, group, start_ms, end_ms, event_name):
        obj = parse_line(raw.get("message", ""))
        if obj is not None and obj.get("event") == event_name:
            found.append((raw["timestamp"], obj, raw.get("logStreamName")))
    return found


def _not_found(err):
    return err.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def poll_origin(client, group, probe_ids, start_ms, timeout_s, first_wait=1.0, max_wait=15.0,
                clock=time.monotonic, sleep=time.sleep):
    """Scan the origin group until every probe id has its line or `timeout_s` passes.

    Returns {probe_id: (timestamp_ms, object)}. Waits back off from `first_wait` doubling to
    `max_wait`, so a slow log pipeline costs few calls.
    """
    wanted = set(probe_ids)
    found = {}
    deadline = clock() + timeout_s
    wait = first_wait
    while True:
        try:
            for ts, obj, _ in contract_events(client, group, start_ms, time.time() * 1000 + 60_000,
                                              contract.EVENT_ORIGIN_REQUEST):
                if obj.get("probe_id") in wanted:
                    found[obj["probe_id"]] = (ts, obj)
        except botocore.exceptions.ClientError as err:
            if not _not_found(err):  # a group not created yet is just "no logs yet"
                raise
        if wanted <= found.keys() or clock() >= deadline:
            return found
        sleep(max(0.0, min(wait, deadline - clock())))
        wait = min(wait * 2, max_wait)


def _read_group(result, group, read):
    """read() for one group of one region; a missing group is empty, other failures noted."""
    try:
        return read()
    except botocore.exceptions.ClientError as err:
        if _not_found(err):
            return []
        result["error"] = str(from_aws(err, f"scanning {group} in {result['region']}"))
    except botocore.exceptions.BotoCoreError as err:
        result["error"] = str(from_aws(err, f"scanning {group} in {result['region']}"))
    return []


def scan_region(aws, region, edge_group, error_group, start_ms, end_ms, stats=False):
    """One region's edge_init (and, asked, edge_stats) events and CloudFront's function
    errors; missing groups are empty."""
    result = {"region": region, "edge_init": [], "edge_stats": [], "cloudfront_errors": [],
              "error": None}
    client = aws.client("logs", region)
    result["edge_init"] = _read_group(result, edge_group, lambda: contract_events(
        client, edge_group, start_ms, end_ms, contract.EVENT_EDGE_INIT))
    if stats:
        result["edge_stats"] = _read_group(result, edge_group, lambda: contract_events(
            client, edge_group, start_ms, end_ms, contract.EVENT_EDGE_STATS))
    if error_group:
        result["cloudfront_errors"] = _read_group(result, error_group, lambda: [
            (e["timestamp"], e.get("message", "").strip())
            for e in fetch(client, error_group, start_ms, end_ms)])
    return result


def scan_regions(aws, regions, edge_group, error_group, start_ms, end_ms, parallel=True,
                 stats=False):
    """scan_region over every region, in parallel threads (one per region) unless told not to."""
    for region in regions:  # clients are created up front: sessions are not thread-safe
        aws.client("logs", region)

    def scan(region):
        return scan_region(aws, region, edge_group, error_group, start_ms, end_ms, stats)
    if not parallel:
        return [scan(r) for r in regions]
    with ThreadPoolExecutor(max_workers=max(1, len(regions))) as pool:
        return list(pool.map(scan, regions))
