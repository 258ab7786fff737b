"""The emulator writes standard logging (v2) as each delivery of the stack asks ("Configure
standard logging (v2)"): its fields in its order, its output format and field delimiter, its
S3 path (prefix or the default one, suffix path, Hive-compatible names) or its CloudWatch Logs
group; beside the legacy logs, which keep working. Each log replays through the forecast
with the arguments the emulator gives for it."""
import copy
import gzip
import io
import json
import re
import time

import boto3
import pyarrow.parquet as pq
import pytest
import requests

from edge_persist.emulator.server import Emulator
from edge_persist.forecast import __main__ as forecast
from stacks.access_logs import V2_FIELDS
from tests.conftest import edited_copy

JSON_FIELDS = ["x-edge-location", "cs(Cookie)", "timestamp(ms)", "x-edge-result-type",
               "cache-behavior-path-pattern", "c-country"]
PLAIN_FIELDS = ["date", "time", "x-edge-location", "x-edge-result-type", "cs(Cookie)",
                "cs-uri-stem"]
GROUP = "cloudfront-v2-json"
SESSIONS, PER_SESSION = 3, 2


def aws(kind, moto_url):
    return boto3.client(kind, endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def more_deliveries(template):
    """Beside the app's own (Parquet, Hive-compatible partitions): JSON to a log group of the
    template, and plain (comma-separated) to the bucket with no prefix and a suffix path
    that is not Hive-compatible."""
    resources = template["Resources"]
    source = next(k for k, v in resources.items() if v["Type"] == "AWS::Logs::DeliverySource")
    delivery = next(v for v in resources.values() if v["Type"] == "AWS::Logs::Delivery")
    bucket = next(k for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket"
                  and "AccessLogs" in k)
    resources["JsonGroup"] = {"Type": "AWS::Logs::LogGroup",
                              "Properties": {"LogGroupName": GROUP}}
    resources["JsonDestination"] = {"Type": "AWS::Logs::DeliveryDestination", "Properties": {
        "Name": "json-destination", "OutputFormat": "json",
        "DestinationResourceArn": {"Fn::GetAtt": ["JsonGroup", "Arn"]}}}
    resources["JsonDelivery"] = {"Type": "AWS::Logs::Delivery", "Properties": {
        "DeliverySourceName": {"Ref": source},
        "DeliveryDestinationArn": {"Fn::GetAtt": ["JsonDestination", "Arn"]},
        "RecordFields": JSON_FIELDS}}
    resources["PlainDestination"] = {"Type": "AWS::Logs::DeliveryDestination", "Properties": {
        "Name": "plain-destination", "OutputFormat": "plain",
        "DestinationResourceArn": {"Fn::GetAtt": [bucket, "Arn"]}}}
    plain = copy.deepcopy(delivery)
    plain["Properties"].update({
        "DeliveryDestinationArn": {"Fn::GetAtt": ["PlainDestination", "Arn"]},
        "RecordFields": PLAIN_FIELDS, "FieldDelimiter": ",",
        "S3SuffixPath": "plain/{distributionid}/{yyyy}{MM}", "S3EnableHiveCompatiblePath": False})
    resources["PlainDelivery"] = plain


@pytest.fixture(scope="module")
def delivered(cloud_assembly_with_logs, moto_url, tmp_path_factory):
    """The app with three v2 deliveries and its legacy logs, after a few sessions' requests:
    (the emulator's outputs, its standard logs as the forecast reads them)."""
    target = edited_copy(cloud_assembly_with_logs, tmp_path_factory.mktemp("v2") / "cdk.out",
                         more_deliveries)
    emu = Emulator(target, moto_url, ["eu-west-3"]).start()
    try:
        for n in range(SESSIONS * PER_SESSION):
            requests.get(emu.url + "/session", cookies={"ep_session": f"v{n % SESSIONS}"},
                         timeout=30, verify=emu.certificate)
            time.sleep(0.1)  # a session's next request after its last has its answer
        outputs, sources = emu.outputs(), emu.standard_logs()
    finally:
        emu.stop()  # delivers what is left
    return outputs, sources


def objects(moto_url, url):
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    s3 = aws("s3", moto_url)
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])}


def source_args(sources, needle):
    return next(args for _, kind, args in sources if kind == "v2" and needle in " ".join(args))


def test_parquet_in_hive_compatible_partitions(delivered, moto_url):
    outputs, sources = delivered
    dist_id = outputs["Emulator"]["DistributionIds"][next(iter(
        outputs["Emulator"]["DistributionIds"]))]
    url = outputs["EdgePersistStack"]["AccessLogsV2Url"]
    files = objects(moto_url, url)
    assert files
    hive = re.compile(rf"^cloudfront-v2/DistributionId={dist_id}/year=\d{{4}}/month=\d\d/"
                      rf"day=\d\d/hour=\d\d/{dist_id}\.\d{{4}}-\d\d-\d\d-\d\d\.[0-9a-f]+"
                      rf"\.parquet$")
    assert all(hive.match(key) for key in files), list(files)
    rows = [row for body in files.values()
            for row in pq.read_table(io.BytesIO(body)).to_pylist()]
    assert len(rows) == SESSIONS * PER_SESSION
    assert all(list(row) == V2_FIELDS for row in rows)  # the delivery's fields, its order
    for row in rows:
        assert row["cs(Cookie)"].startswith("ep_session=v")
        assert row["cache-behavior-path-pattern"] == "*" and row["c-country"] == "US"
        assert row["x-edge-location"].startswith("CDG") and row["x-edge-result-type"] == "Miss"
        assert re.fullmatch(r"\d{13}", row["timestamp(ms)"])
    assert source_args(sources, "cloudfront-v2") == [
        "--from-access-logs", f"{url}DistributionId={dist_id}/"]


def test_json_in_a_cloudwatch_logs_group(delivered, moto_url):
    outputs, sources = delivered
    logs = aws("logs", moto_url)
    (stream,) = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert stream["logStreamName"] in outputs["Emulator"]["DistributionIds"].values()
    events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"],
                                 startFromHead=True)["events"]
    records = [json.loads(e["message"]) for e in events]
    assert len(records) == SESSIONS * PER_SESSION
    assert all(list(r) == JSON_FIELDS and all(isinstance(v, str) for v in r.values())
               for r in records)
    # Each event at the request's own time.
    assert [e["timestamp"] for e in events] == [int(r["timestamp(ms)"]) for r in records]
    assert source_args(sources, GROUP) == ["--from-cloudwatch-logs", GROUP, "--logs-region",
                                           "us-east-1"]


def test_plain_under_the_default_prefix_and_a_plain_suffix_path(delivered, moto_url):
    outputs, sources = delivered
    dist_id = next(iter(outputs["Emulator"]["DistributionIds"].values()))
    args = source_args(sources, "AWSLogs")
    prefix = f"AWSLogs/123456789012/CloudFront/plain/{dist_id}/"
    assert args[1].endswith(prefix)
    files = objects(moto_url, args[1])
    month = time.strftime("%Y%m", time.gmtime())
    assert all(re.match(rf"^{prefix}{month}/{dist_id}\.[-\d]+\.[0-9a-f]+\.gz$", k)
               for k in files), list(files)
    lines = [line for body in files.values()
             for line in gzip.decompress(body).decode().splitlines()]
    assert len(lines) == SESSIONS * PER_SESSION
    assert all(len(line.split(",")) == len(PLAIN_FIELDS) and not line.startswith("#")
               for line in lines)


def test_the_legacy_logs_keep_working_beside_v2(delivered, moto_url):
    outputs, sources = delivered
    url = outputs["EdgePersistStack"]["AccessLogsUrl"]
    assert [args for _, kind, args in sources if kind == "legacy"] == [
        ["--from-access-logs", url]]
    lines = [line for body in objects(moto_url, url).values()
             for line in gzip.decompress(body).decode().splitlines()
             if not line.startswith("#")]
    assert len(lines) == SESSIONS * PER_SESSION


@pytest.mark.parametrize("needle,extra", [
    ("cloudfront-v2", []), (GROUP, []),
    ("AWSLogs", ["--fields", " ".join(PLAIN_FIELDS), "--field-delimiter", ","])])
def test_each_replays_through_the_forecast(delivered, moto_url, dask_scheduler, tmp_path,
                                           needle, extra):
    _, sources = delivered
    out = tmp_path / "forecast.json"
    assert forecast.main([*source_args(sources, needle), *extra, "--endpoint-url", moto_url,
                          "--scheduler", dask_scheduler, "--idle-timeout", "3600", "--ttl", "3600",
                          "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    # One environment, requests one at a time: each session misses once.
    assert result["requests"] == SESSIONS * PER_SESSION
    assert result["hit_ratio"] == pytest.approx(1 - SESSIONS / (SESSIONS * PER_SESSION))


def test_a_log_group_a_reset_removed_is_made_again_with_its_fields_line(moto_url):
    """The local AWS reset (the control API's reset, a test's): the next delivery makes the
    group and the stream again, and a W3C stream starts with its #Fields line again."""
    from edge_persist.emulator.cloudfront.log_delivery import LogDeliveryWriter
    from edge_persist.emulator.frontend.messages import HttpRequest, HttpResponse
    from edge_persist.emulator.template import LogDelivery
    group = "cf-v2-reset"
    writer = LogDeliveryWriter("EREPLAY1", "127.0.0.1:1", LogDelivery(
        "logs", group, "w3c", ("x-edge-location", "cs-uri-stem")), moto_url)
    logs = aws("logs", moto_url)

    def one(path):
        writer.record(HttpRequest("GET", path, "", [("host", "x")]), HttpResponse(200),
                      "CDG50-C1", "id", None, time.monotonic())
        writer.deliver()
        return [e["message"] for e in logs.get_log_events(
            logGroupName=group, logStreamName="EREPLAY1", startFromHead=True)["events"]]
    try:
        assert one("/a") == ["#Fields: x-edge-location cs-uri-stem", "CDG50-C1\t/a"]
        assert one("/b") == ["#Fields: x-edge-location cs-uri-stem", "CDG50-C1\t/a",
                             "CDG50-C1\t/b"]  # one #Fields line a stream
        logs.delete_log_group(logGroupName=group)
        assert one("/c") == ["#Fields: x-edge-location cs-uri-stem", "CDG50-C1\t/c"]
    finally:
        writer.close()
