"""The emulator writes a distribution's standard logs ("Standard logging (legacy)"): gzip
files named <prefix><distribution id>.YYYY-MM-DD-HH.<unique id>.gz in the Logging bucket,
33 tab-separated fields named by #Fields, cookies only with IncludeCookies, delivered at
least every 5 seconds and at shutdown."""
import gzip
import re
import time

import boto3
import pytest
import requests

from edge_persist.emulator.server import Emulator
from edge_persist.forecast import access_logs
from tests.conftest import edited_copy

NAME = re.compile(r"^cloudfront/E[0-9A-F]+\.\d{4}-\d\d-\d\d-\d\d\.[0-9a-f]+\.gz$")


def s3(moto_url):
    return boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def log_files(moto_url, url):
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    client = s3(moto_url)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix)
            .get("Contents", [])]
    return {k: gzip.decompress(client.get_object(Bucket=bucket, Key=k)["Body"].read()).decode()
            for k in keys}


def lines_of(files):
    rows = []
    for text in files.values():
        head, fields, *lines = text.splitlines()
        assert head == "#Version: 1.0"
        names = fields.removeprefix("#Fields: ").split()
        rows += [dict(zip(names, line.split("\t"))) for line in lines]
    return rows


@pytest.fixture
def with_logs(cloud_assembly_with_logs, moto_url, tmp_path):
    def start(include_cookies=True):
        def cookies(template):
            for resource in template["Resources"].values():
                if resource["Type"] == "AWS::CloudFront::Distribution":
                    resource["Properties"]["DistributionConfig"]["Logging"][
                        "IncludeCookies"] = include_cookies
        target = edited_copy(cloud_assembly_with_logs, tmp_path / "cdk.out", cookies)
        return Emulator(target, moto_url, ["eu-west-3"]).start()
    return start


def test_logs_arrive_within_five_seconds_in_the_documented_format(with_logs, moto_url):
    emu = with_logs()
    try:
        url = emu.outputs()["EdgePersistStack"]["AccessLogsUrl"]
        for i in range(4):
            requests.get(emu.url + "/session", cookies={"ep_session": f"s{i % 2}"}, timeout=30,
                         verify=emu.certificate)
        deadline = time.monotonic() + 8
        files = {}
        while not files and time.monotonic() < deadline:
            time.sleep(0.5)
            files = log_files(moto_url, url)
        assert files, "no log file within 5 s of delivery"
        assert all(NAME.match(key) for key in files)
    finally:
        emu.stop()
    rows = lines_of(log_files(moto_url, url))
    assert len(rows) == 4
    for row in rows:
        assert list(row) == access_logs.FIELDS and all(v != "" for v in row.values())
        assert row["x-edge-location"] == "CDG50-C1" and row["cs-uri-stem"] == "/session"
        assert row["cs(Cookie)"].startswith("ep_session=s")
        assert re.match(r"^\d{4}-\d\d-\d\d$", row["date"]) and re.match(r"^\d\d:\d\d:\d\d$",
                                                                        row["time"])
    # session hits are generated at origin-request: on the way to the origin, a Miss
    assert {row["x-edge-result-type"] for row in rows} == {"Miss"}


def test_cookies_are_logged_only_with_include_cookies(with_logs, moto_url):
    emu = with_logs(include_cookies=False)
    try:
        url = emu.outputs()["EdgePersistStack"]["AccessLogsUrl"]
        requests.get(emu.url + "/session", cookies={"ep_session": "s1"}, timeout=30,
                     verify=emu.certificate)
    finally:
        emu.stop()  # delivers what is left
    (row,) = lines_of(log_files(moto_url, url))
    assert row["cs(Cookie)"] == "-"
