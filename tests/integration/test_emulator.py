"""The emulator on loopback: reuse, recycle, concurrency, CloudFront's failures, logs."""
import json
import re
import threading
import time

import pytest
import requests

from edge_persist import contract
from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.template import StackReader
from edge_persist.errors import UsageError
from edge_persist.verify.cli import main as verify

SEEN = contract.HEADER_SEEN
STREAM = re.compile(r"^\d{4}/\d\d/\d\d/\[(1|\$LATEST)\][0-9a-f]{32}$")


def get(emu, path="/", **headers):
    return requests.get(emu.url + path, headers=headers, timeout=30, verify=emu.certificate)


def test_reuse_within_the_idle_timeout_keeps_the_value(emulator):
    emu = emulator()
    values = [get(emu).headers[SEEN] for _ in range(4)]
    assert len(set(values)) == 1 and values[0]


def test_after_the_idle_timeout_the_value_is_new(emulator):
    emu = emulator(idle_timeout=1.0)
    first = get(emu).headers[SEEN]
    assert get(emu).headers[SEEN] == first
    time.sleep(2.0)  # idle past the timeout; the reaper runs every 0.5 s
    assert get(emu).headers[SEEN] != first


def test_max_lifetime_recycles_a_busy_environment(emulator):
    emu = emulator(max_lifetime=1.0)
    first = get(emu).headers[SEEN]
    time.sleep(1.2)
    assert get(emu).headers[SEEN] != first


def test_five_concurrent_requests_get_several_environments(emulator):
    emu = emulator()
    barrier, values = threading.Barrier(5), []

    def one():
        barrier.wait()
        values.append(get(emu).headers[SEEN])
    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(values) == 5 and len(set(values)) >= 2


def test_regions_have_their_own_environments(emulator):
    emu = emulator(regions=["us-east-1", "eu-west-3"])
    a = get(emu, **{REGION_HEADER: "us-east-1"})
    b = get(emu, **{REGION_HEADER: "eu-west-3"})
    assert a.headers[SEEN] != b.headers[SEEN]
    assert (a.headers["X-Amz-Cf-Pop"], b.headers["X-Amz-Cf-Pop"]) == ("IAD89-C1", "CDG50-C1")
    assert get(emu, **{REGION_HEADER: "mars-1"}).status_code == 400


def test_every_answer_carries_cloudfront_headers(emulator):
    response = get(emulator())
    assert response.status_code == 200
    assert response.text.startswith("Hello from Lambda! ")
    assert response.headers["X-Cache"] == "Miss from cloudfront"
    assert "CloudFront" in response.headers["Via"] and response.headers["X-Amz-Cf-Id"]


EDGE_WRAPPER = """
import handler_original
def handler(event, context):
    request = handler_original.handler(event, context)
{body}
    return request
"""


def edge_code(body):
    return EDGE_WRAPPER.format(body=body)


@pytest.fixture
def broken_edge(cdk_out_copy):
    def make(code, timeout=None):
        def shorter_timeout(template):
            for resource in template["Resources"].values():
                if resource["Type"] == "AWS::Lambda::Function" and timeout and \
                        resource["Properties"].get("FunctionName", "").endswith("-edge"):
                    resource["Properties"]["Timeout"] = timeout
        out = cdk_out_copy(timeout=shorter_timeout)
        edge = StackReader(out).read().associations[0].function
        (edge.code_dir / "handler_original.py").write_text(
            (edge.code_dir / "handler.py").read_text())
        (edge.code_dir / "handler.py").write_text(code)
        return out
    return make


@pytest.mark.parametrize("body, words", [
    ('    request["headers"]["x-edge-secret"] = [{"key": "X-Edge-Secret", "value": "1"}]',
     "blacklisted header: x-edge-secret"),
    ('    del request["headers"]["via"]', "delete read-only header: via"),
    ('    request["headers"]["x-evil"] = [{"key": "x-evil", "value": "a\\r\\nb"}]', "CR, LF"),
    ('    request["headers"]["X-Upper"] = [{"key": "X-Upper", "value": "v"}]', "lowercase"),
    ('    request["headers"]["x-big"] = [{"key": "x-big", "value": "v" * 21000}]', "20480"),
])
def test_invalid_results_get_502_lambda_validation_error(emulator, broken_edge, logs_client,
                                                         body, words):
    emu = emulator(broken_edge(edge_code(body)))
    response = get(emu)
    assert response.status_code == 502
    assert response.headers["X-Cache"] == "LambdaValidationError from CloudFront"
    emu.shipper.flush()
    group = f"/aws/cloudfront/LambdaEdge/{emu.distribution_id}"
    messages = [e["message"] for e in logs_client("us-east-1").filter_log_events(
        logGroupName=group)["events"]]
    assert any(words in m for m in messages), messages


def test_an_exception_gets_503_lambda_execution_error(emulator, broken_edge):
    emu = emulator(broken_edge(edge_code('    raise ValueError("boom")')))
    response = get(emu)
    assert response.status_code == 503
    assert response.headers["X-Cache"] == "LambdaExecutionError from CloudFront"


def test_sleeping_past_the_timeout_gets_503_and_a_cold_start(emulator, broken_edge):
    # The flag file sits in this test's own copy of the code asset.
    code = edge_code('    import os, time\n'
                     '    if os.path.exists(os.path.join(os.path.dirname(__file__), "sleep")):\n'
                     '        time.sleep(5)')
    out = broken_edge(code, timeout=1)
    emu = emulator(out)
    first = get(emu).headers[SEEN]
    flag = emu.model.associations[0].function.code_dir / "sleep"
    flag.touch()
    response = get(emu)
    flag.unlink()
    assert response.status_code == 503
    assert response.headers["X-Cache"] == "LambdaLimitExceeded from CloudFront"
    assert get(emu).headers[SEEN] != first  # the timed-out environment was discarded


def test_a_crash_discards_the_environment(emulator):
    emu = emulator()
    first = get(emu).headers[SEEN]
    (pool,) = emu.edge_pools.values()
    assert pool.kill_one()
    response = get(emu)
    assert response.status_code in (200, 503)
    assert get(emu).headers[SEEN] != first


def test_logs_sit_in_the_right_region_group_and_stream(emulator, logs_client):
    emu = emulator(regions=["us-east-1", "eu-west-3"])
    for _ in range(2):
        get(emu, **{REGION_HEADER: "eu-west-3"})
    emu.shipper.flush()
    edge_group = contract.edge_log_group("EdgePersistStack-edge")
    paris = logs_client("eu-west-3")
    (stream,) = paris.describe_log_streams(logGroupName=edge_group)["logStreams"]
    assert STREAM.match(stream["logStreamName"]) and "[1]" in stream["logStreamName"]
    lines = [e["message"] for e in paris.get_log_events(
        logGroupName=edge_group, logStreamName=stream["logStreamName"],
        startFromHead=True)["events"]]
    # Two requests, each through origin-request and origin-response of one version: four
    # invocations in one environment, only the first a cold start.
    assert sum(line.startswith("START RequestId:") for line in lines) == 4
    reports = [line for line in lines if line.startswith("REPORT RequestId:")]
    assert len(reports) == 4 and "Init Duration" in reports[0]
    assert not any("Init Duration" in r for r in reports[1:])
    for part in ("Duration:", "Billed Duration:", "Memory Size: 128 MB", "Max Memory Used:"):
        assert part in reports[0]
    init = [json.loads(line) for line in lines if line.startswith("{")]
    assert init[0]["event"] == "edge_init" and init[0]["region"] == "eu-west-3"
    virginia = logs_client("us-east-1")
    assert not virginia.describe_log_groups(logGroupNamePrefix=edge_group)["logGroups"]
    origin = virginia.filter_log_events(logGroupName="/aws/lambda/EdgePersistStack-origin",
                                        filterPattern='"origin_request"')["events"]
    assert len(origin) == 2


def test_alb_without_the_origin_secret_answers_403(emulator):
    emu = emulator()
    assert requests.get(emu.alb_url + "/", timeout=10).status_code == 403
    wrong = requests.get(emu.alb_url + "/", headers={contract.HEADER_ORIGIN_VERIFY: "guess"},
                         timeout=10)
    assert wrong.status_code == 403


def test_cache_hits_skip_the_functions(emulator, cdk_out_copy):
    def cache_for_a_minute(template):
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::CloudFront::CachePolicy":
                config = resource["Properties"]["CachePolicyConfig"]
                config.update(MinTTL=60, DefaultTTL=60, MaxTTL=60)
    emu = emulator(cdk_out_copy(ttl=cache_for_a_minute))
    first, second = get(emu, "/same"), get(emu, "/same")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == (
        "Miss from cloudfront", "Hit from cloudfront")
    assert first.text == second.text
    assert emu.cloudfront.stats["hits"] == 1


def test_a_template_without_a_distribution_is_a_clear_error(cdk_out_copy):
    def drop_distribution(template):
        template["Resources"] = {k: v for k, v in template["Resources"].items()
                                 if v["Type"] != "AWS::CloudFront::Distribution"}
    with pytest.raises(UsageError, match="AWS::CloudFront::Distribution"):
        StackReader(cdk_out_copy(drop=drop_distribution)).read()


def test_verify_against_the_emulator_exits_0(emulator, moto_url, tmp_path):
    emu = emulator(regions=["eu-west-3"])
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(json.dumps(emu.outputs()))
    report = tmp_path / "report.json"
    code = verify(["--outputs-file", str(outputs), "--endpoint-url", moto_url, "--requests", "4",
                   "--interval", "0.2", "--log-timeout", "20", "--no-progress",
                   "--json", str(report)])
    assert code == 0
    result = json.loads(report.read_text())
    assert result["summary"]["edge_regions"] == ["eu-west-3"]
    assert result["summary"]["logs_missing"] == 0
