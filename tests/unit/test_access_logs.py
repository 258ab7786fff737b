"""Reading CloudFront standard logs ("Standard logging (legacy)", log file format and fields)."""
import json

import pytest

from edge_persist.errors import UsageError
from edge_persist.forecast import access_logs
from edge_persist.forecast import __main__ as forecast
from tests.access_log_files import START, record, sequential, write

COOKIE = access_logs.SessionKey.parse("cookie:ep_session")


def parse(path, key=COOKIE):
    return access_logs.parse_file(str(path), key)


def test_fields_are_read_by_the_fields_line_not_by_position(tmp_path):
    records = sequential("eu-west-3", 2, 3)
    plain = parse(write(tmp_path / "a.log", records))
    shuffled = list(reversed(access_logs.FIELDS))
    other = parse(write(tmp_path / "b.log", records, fields=shuffled))
    assert plain.by_region == other.by_region and plain.lines_read == 6
    assert plain.by_region["eu-west-3"].keys() == ["s0", "s1"] * 3


def test_gzip_and_plain_read_alike(tmp_path):
    records = sequential("us-east-1", 3, 2)
    assert parse(write(tmp_path / "a.gz", records, gz=True)).by_region == \
        parse(write(tmp_path / "a.log", records)).by_region


@pytest.mark.parametrize("result, detailed, reason", [
    ("Hit", "Hit", access_logs.CACHE_HIT),
    ("Redirect", "Redirect", access_logs.NO_ORIGIN_FETCH),
    ("LimitExceeded", "LimitExceeded", access_logs.NO_ORIGIN_FETCH),
    ("Error", "ClientCommError", access_logs.NO_ORIGIN_FETCH),
    ("Error", "InvalidRequest", access_logs.NO_ORIGIN_FETCH),
    ("Error", "OriginConnectError", None), ("Error", "Error", None),
    ("Miss", "Miss", None), ("RefreshHit", "RefreshHit", None),
])
def test_only_lines_that_reached_the_origin_are_replayed(tmp_path, result, detailed, reason):
    line = record(START, "IAD89-C1", result=result, cookie="ep_session=s1")
    line["x-edge-detailed-result-type"] = detailed
    parsed = parse(write(tmp_path / "x.log", [line]))
    if reason:
        assert parsed.skipped == {reason: 1} and not parsed.by_region
    else:
        assert parsed.skipped == {} and parsed.by_region["us-east-1"].keys() == ["s1"]


def test_a_line_without_a_session_key_is_counted_apart(tmp_path):
    lines = [record(START, "IAD89-C1", cookie="theme=dark"), record(START, "IAD89-C1")]
    parsed = parse(write(tmp_path / "x.log", lines))
    assert parsed.skipped == {access_logs.NO_SESSION_KEY: 2} and parsed.cookies_logged == 1


@pytest.mark.parametrize("key, expected", [
    ("ip", "198.51.100.7"), ("ip+ua", "198.51.100.7\tMozilla%2F5.0"),
])
def test_ip_session_keys(tmp_path, key, expected):
    line = record(START, "CDG50-C1", ua="Mozilla/5.0".replace("/", "%2F"))
    parsed = parse(write(tmp_path / "x.log", [line]), access_logs.SessionKey.parse(key))
    assert parsed.by_region["eu-west-3"].keys() == [expected]


def test_malformed_lines_are_counted_and_skipped(tmp_path):
    path = write(tmp_path / "x.log", sequential("us-east-1", 1, 2))
    path.write_text(path.read_text() + "garbage\n2026-11-30\tnot-a-time\tIAD89-C1\n")
    parsed = parse(path)
    assert parsed.skipped.get(access_logs.MALFORMED) == 2
    assert len(parsed.by_region["us-east-1"].times) == 2


def test_a_json_line_nested_too_deep_to_decode_is_malformed(tmp_path):
    from tests.access_log_files import write_v2
    fields = ["timestamp(ms)", "x-edge-location", "x-edge-result-type", "cs(Cookie)"]
    path = write_v2(tmp_path / "x.json", sequential("us-east-1", 1, 2), "json", fields)
    deep = '{"a":' * 100_000 + "1" + "}" * 100_000
    path.write_text(path.read_text() + deep + "\n")
    parsed = parse(path)
    assert parsed.skipped == {access_logs.MALFORMED: 1}
    assert len(parsed.by_region["us-east-1"].times) == 2


@pytest.mark.parametrize("stamp", ["9" * 400, "99999999999999999999", "1_764_460_800_000",
                                   " 1764460800000", "-1764460800000", "\u0661\u0667\u0666"])
def test_a_timestamp_not_written_as_cloudfront_writes_it_is_malformed_in_every_format(
        tmp_path, stamp):
    """timestamp(ms) is ASCII digits that fit 64 bits: anything else, however Python's int()
    or Arrow's cast would take it, is one malformed line, the same in text and Parquet."""
    from tests.access_log_files import parquet, write_v2
    fields = ["timestamp(ms)", "x-edge-location", "x-edge-result-type", "cs(Cookie)"]
    records = sequential("us-east-1", 1, 2)
    records[1]["timestamp(ms)"] = stamp
    (tmp_path / "x.parquet").write_bytes(parquet(records, fields))
    for path in (write_v2(tmp_path / "x.json", records, "json", fields),
                 write_v2(tmp_path / "x.log", records, "w3c", fields), tmp_path / "x.parquet"):
        parsed = parse(path)
        assert parsed.skipped == {access_logs.MALFORMED: 1}, path
        assert len(parsed.by_region["us-east-1"].times) == 1, path


@pytest.mark.parametrize("newline", ["\n", ""])
def test_a_line_past_the_cap_is_skipped_in_bounded_memory(tmp_path, newline):
    """A gzip of 64 MiB with no line break (or one very long line) is read in pieces: the
    peak memory stays a small multiple of the cap, and the lines around it still count."""
    import gzip
    import tracemalloc
    text = write(tmp_path / "x.log", sequential("us-east-1", 1, 2)).read_text()
    path = tmp_path / "long.gz"
    with gzip.open(path, "wt") as out:
        out.write(text)
        for _ in range(64):
            out.write("a" * (1 << 20))
        out.write(newline + "".join(text.splitlines(keepends=True)[2:]))
    tracemalloc.start()
    parsed = parse(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 * access_logs.MAX_LINE_CHARS
    assert parsed.skipped.get(access_logs.TOO_LONG) == 1
    # With no line break the long run swallows the next log line, as it would any reader.
    assert len(parsed.by_region["us-east-1"].times) == (4 if newline else 3)


def test_pops_map_to_the_regions_the_emulator_serves_them_from():
    from edge_persist import regions
    for region, pop in regions.EMULATOR_POPS.items():
        assert regions.POP_REGIONS[pop[:3]] == region


@pytest.mark.parametrize("make, words", [
    (lambda d: [str(d / "missing")], "no such file"),
    (lambda d: [str(d / "*.nothing")], "no file matches"),
    (lambda d: [str((d / "nofields.log").write_text("2026-11-30\t12:00:00\n") and
                    d / "nofields.log")], "no #Fields line"),
    (lambda d: [str((d / "deep.json").write_text('{"a":' * 100_000 + "}" * 100_000) and
                    d / "deep.json")], "the first log line is not a JSON object"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, make, words):
    code = forecast.main(["--from-access-logs", *make(tmp_path), "--workers", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and words in err[0]


def test_a_second_cluster_beside_another_says_nothing_on_stderr(tmp_path, capsys):
    """Dask's scheduler serves HTTP on 8787 by default and warns when it is taken: a forecast
    run beside another cluster (or anything on 8787) must still answer in one line."""
    import socket
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 8787))
        taken.listen()
    except OSError:
        pass  # already taken by something else: the case under test all the same
    try:
        path = tmp_path / "nofields.log"
        path.write_text("2026-11-30\t12:00:00\n")
        code = forecast.main(["--from-access-logs", str(path), "--workers", "1"])
    finally:
        taken.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err


def test_pop_regions_file_overrides_the_table(tmp_path):
    path = tmp_path / "pops.json"
    path.write_text(json.dumps({"IAD": "eu-west-1"}))
    assert access_logs.read_pop_regions(str(path))["IAD"] == "eu-west-1"
    path.write_text(json.dumps({"IAD": "mars-1"}))
    with pytest.raises(UsageError):
        access_logs.read_pop_regions(str(path))
