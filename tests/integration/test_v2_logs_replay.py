"""The forecast replays standard logging (v2) wherever a delivery puts it ("Configure standard
logging (v2)"): JSON, plain, W3C or Parquet, any fields in any order, gzip or not, in a
folder, in S3 (partitioned, Hive-compatible or not) or in CloudWatch Logs; the closed-form
answer every time, and one line naming what a log lacks.

The scenario (tests/access_log_files.py): five sessions in us-east-1, eight requests each,
one a second, so one environment serves them all and each session misses once (hit ratio
1 - 5/40); ten sessions in eu-west-3, three each (1 - 10/30); seven cache hits and a line with
no session cookie, skipped.
"""
import gzip
import json
import random

import boto3
import pytest

from edge_persist.forecast import __main__ as forecast
from tests.access_log_files import START, parquet, record, sequential, text, write_v2

US, EU = "us-east-1", "eu-west-3"
ANSWER = {US: 1 - 5 / 40, EU: 1 - 10 / 30}
# A delivery's RecordFields, in an order of its own: only some fields, the forecast's
# among them, with one it does not read.
CUSTOM = ["cs(Cookie)", "sc-status", "x-edge-result-type", "timestamp(ms)", "c-ip",
          "x-edge-location"]


def records():
    found = sequential(US, 5, 8) + sequential(EU, 10, 3)
    found += [record(START, "IAD89-C1", result="Hit", cookie="ep_session=s0")] * 7
    found.append(record(START, "IAD89-C1"))  # no cookie
    random.Random(7).shuffle(found)  # a delivery's file is in no promised order
    return found


@pytest.fixture
def scheduler(dask_scheduler):
    return dask_scheduler


def aws(kind, moto_url):
    return boto3.client(kind, endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def run(scheduler, tmp_path, *flags, code=0, capsys=None):
    out = tmp_path / f"forecast{len(list(tmp_path.glob('forecast*')))}.json"
    found = forecast.main([*flags, "--scheduler", scheduler, "--json", str(out),
                           "--idle-timeout", "3600", "--ttl", "3600"])
    assert found == code
    return json.loads(out.read_text()) if code == 0 else None


def assert_known_answer(result):
    for region, ratio in ANSWER.items():
        assert result["per_region"][region]["hit_ratio"] == pytest.approx(ratio, abs=1e-4)
    assert result["requests"] == 70 and result["lines_read"] == 78
    assert result["lines_skipped"] == {"cache_hit": 7, "no_session_key": 1}


def test_json_in_hive_partitioned_s3_with_a_custom_field_order(scheduler, moto_url, tmp_path):
    s3 = aws("s3", moto_url)
    s3.create_bucket(Bucket="v2-json")
    lines = records()
    for hour, part in (("12", lines[:40]), ("13", lines[40:])):
        key = (f"AWSLogs/aws-account-id=123456789012/CloudFront/DistributionId=E1/year=2026/"
               f"month=11/day=30/hour={hour}/E1.2026-11-30-{hour}.a1b2c3d4.gz")
        body = gzip.compress(text(part, "json", CUSTOM).encode())
        s3.put_object(Bucket="v2-json", Key=key, Body=body)
    assert_known_answer(run(scheduler, tmp_path, "--from-access-logs",
                            "s3://v2-json/AWSLogs/", "--endpoint-url", moto_url))


def test_parquet_with_only_some_fields_reads_row_groups_and_agrees_with_text(
        scheduler, tmp_path):
    folder = tmp_path / "parquet"
    folder.mkdir()
    lines = records()
    # Two files of several row groups each: a worker's unit is a row group.
    (folder / "a.parquet").write_bytes(parquet(lines[:50], CUSTOM, row_group_size=16))
    (folder / "b.parquet").write_bytes(parquet(lines[50:], CUSTOM, row_group_size=16))
    from_parquet = run(scheduler, tmp_path, "--from-access-logs", str(folder))
    assert_known_answer(from_parquet)
    as_text = write_v2(tmp_path / "same.json", lines, "json", CUSTOM)
    from_text = run(scheduler, tmp_path, "--from-access-logs", str(as_text))
    assert from_parquet == from_text


def test_w3c_v2_in_cloudwatch_logs_within_a_time_window(scheduler, moto_url, tmp_path):
    logs = aws("logs", moto_url)
    group = f"cf-v2-w3c-{random.getrandbits(32)}"
    logs.create_log_group(logGroupName=group)
    lines = records()
    late = record(START.replace(hour=18), "IAD89-C1", cookie="ep_session=late")
    for stream, part in (("E1", lines[:40]), ("E1-b", lines[40:] + [late])):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        messages = text(part, "w3c", CUSTOM).splitlines()
        stamps = [int(START.timestamp() * 1000)] + [r["timestamp(ms)"] for r in part]
        events = sorted(zip(stamps, messages))
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": t, "message": m} for t, m in events])
    result = run(scheduler, tmp_path, "--from-cloudwatch-logs", group, "--endpoint-url",
                 moto_url, "--start", "2026-11-30T11:00:00", "--end", "2026-11-30T17:00:00")
    assert_known_answer(result)  # the 18:00 line is outside the window


def test_plain_logs_take_their_fields_and_delimiter(scheduler, tmp_path, capsys):
    path = write_v2(tmp_path / "plain.gz", records(), "plain", CUSTOM, delimiter="|", gz=True)
    assert_known_answer(run(scheduler, tmp_path, "--from-access-logs", str(path), "--fields",
                            " ".join(CUSTOM), "--field-delimiter", "|"))
    run(scheduler, tmp_path, "--from-access-logs", str(path), code=2)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--fields" in err, err


def test_lines_with_a_delivery_s_default_fields_need_no_names(scheduler, tmp_path):
    from edge_persist.forecast.access_logs import V2_DEFAULT_FIELDS
    path = write_v2(tmp_path / "raw", records(), "plain", V2_DEFAULT_FIELDS)
    assert_known_answer(run(scheduler, tmp_path, "--from-access-logs", str(path),
                            "--log-format", "raw"))


@pytest.mark.parametrize("output_format", ["json", "w3c", "parquet"])
@pytest.mark.parametrize("dropped,named", [
    ("x-edge-result-type", "x-edge-result-type"),
    ("cs(Cookie)", "cs(Cookie)"),
    ("timestamp(ms)", "date, time"),
])
def test_a_missing_field_is_one_line_naming_it_and_the_setting(
        scheduler, tmp_path, capsys, output_format, dropped, named):
    fields = [f for f in CUSTOM if f != dropped]
    path = tmp_path / f"logs.{output_format}"
    if output_format == "parquet":
        path.write_bytes(parquet(records(), fields))
    else:
        write_v2(path, records(), output_format, fields)
    run(scheduler, tmp_path, "--from-access-logs", str(path), code=2)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("forecast: ") and named in err and "RecordFields" in err, err
