"""CloudFront Functions and KeyValueStore in the emulator, on apps/functions_app.py: one synth
per run, one emulator for the module (each test that writes the store uses its own key)."""
import os
import time

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from edge_persist import edge_rules
from edge_persist.aws import Aws
from edge_persist.emulator.cloudfront_functions import runtime as functions
from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.server import Emulator
from edge_persist.errors import UsageError
from tests.conftest import edited_copy, synthesized
from tests.integration.apps import functions_app
from tests.integration.fixed_origin import FixedOrigin

US, EU = "us-east-1", "eu-west-3"
PROPAGATION_S = 1.0
TEMPLATE = f"{functions_app.STACK}.template.json"


@pytest.fixture(scope="session")
def functions_assembly(tmp_path_factory):
    return synthesized(tmp_path_factory, "functions.out", functions_app.build)


@pytest.fixture(scope="module")
def emu(functions_assembly, moto_url):
    alt = FixedOrigin(200, b"alt origin")  # the custom origin `alt`: says who it is
    emulator = Emulator(functions_assembly, moto_url, [US, EU],
                        origins={functions_app.ALT_DOMAIN: alt.url},
                        kvs_propagation=PROPAGATION_S).start()
    yield emulator
    emulator.stop()
    alt.stop()


@pytest.fixture(scope="module")
def kvs(emu):
    (arn,) = emu.outputs()["Emulator"]["KeyValueStores"].values()
    client = Aws(endpoint_url=emu.outputs()["Emulator"]["KvsEndpoint"]).client(
        "cloudfront-keyvaluestore", US)
    return client, arn


def get(emu, path, region=US, **kwargs):
    return requests.get(emu.url + path, headers={REGION_HEADER: region}, timeout=30,
                        allow_redirects=False, **kwargs)


def seen_by_origin(response):
    return response.json()["headers"]


def put(kvs, key, value):
    client, arn = kvs
    etag = client.describe_key_value_store(KvsARN=arn)["ETag"]
    return client.put_key(KvsARN=arn, Key=key, Value=value, IfMatch=etag)


def test_a_viewer_request_function_reads_the_store_into_headers(emu):
    headers = seen_by_origin(get(emu, "/read?a=1&a=2"))
    assert headers["x-kvs-value"] == functions_app.INITIAL["greeting"]
    assert headers["x-kvs-json"] == "1"          # get(key, {format: 'json'})
    assert headers["x-kvs-missing"] == "false"   # exists() of an absent key
    assert headers["x-raw-query"] == "a=1&a=2"   # rawQueryString(), untouched


def _function_lines(emu, moto_url, needle):
    """The Router function's log lines that contain `needle`, once shipped."""
    assert emu.shipper.flush()
    logs = boto3.client("logs", region_name=US, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")
    (router,) = [f for f in emu.models[0].viewer_functions.values() if "Router" in f.name]
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/cloudfront/function/{router.name}")
    return [e["message"] for page in pages for e in page["events"] if needle in e["message"]]


def test_a_viewer_request_function_runs_on_hits_too(emu, moto_url):
    path = f"/hit/{time.time_ns()}"
    first, second = get(emu, path), get(emu, path)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == (
        "Miss from cloudfront", "Hit from cloudfront")
    assert len(_function_lines(emu, moto_url, f"router {path} ")) == 2


def test_a_viewer_response_function_runs_on_hits_too(emu):
    first, second = get(emu, "/cached/stamp"), get(emu, "/cached/stamp")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == (
        "Miss from cloudfront", "Hit from cloudfront")
    assert second.headers["x-kvs-value"] == functions_app.INITIAL["greeting"]


def test_edge_location_follows_the_emulated_region(emu):
    assert seen_by_origin(get(emu, "/where", US))["x-cf-region"] == US
    assert seen_by_origin(get(emu, "/where", EU))["x-cf-region"] == EU


def test_a_generated_redirect_is_answered_at_the_edge(emu):
    response = get(emu, "/redirect/here")
    assert response.status_code == 302
    assert response.headers["location"] == "https://example.com/redirect/here"
    assert response.headers["X-Cache"] == edge_rules.X_CACHE_FUNCTION_GENERATED


def test_a_throwing_function_is_503_and_an_invalid_result_502(emu):
    thrown, invalid = get(emu, "/throw"), get(emu, "/invalid")
    assert (thrown.status_code, thrown.headers["X-Cache"]) == \
        edge_rules.FUNCTION_EXECUTION_FAILURE
    assert (invalid.status_code, invalid.headers["X-Cache"]) == \
        edge_rules.FUNCTION_VALIDATION_FAILURE


def test_an_endless_loop_is_stopped_and_the_function_serves_again(emu):
    started = time.monotonic()
    looped = get(emu, "/loop")
    assert (looped.status_code, looped.headers["X-Cache"]) == \
        edge_rules.FUNCTION_EXECUTION_FAILURE
    assert time.monotonic() - started < 5
    for _ in range(4):  # every worker of the pool, the restarted one included
        assert get(emu, "/after-loop").status_code == 200
    # The looping worker is gone, not orphaned: every function runtime left is our child.
    runtimes = [pid for pid in os.listdir("/proc") if pid.isdigit()
                and str(functions.RUNTIME) in _read(f"/proc/{pid}/cmdline")]
    assert runtimes and all(_parent(pid) == os.getpid() for pid in runtimes)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:  # it ended while we looked
        return ""


def _parent(pid):
    stat = _read(f"/proc/{pid}/stat")
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else os.getpid()


def test_select_request_origin_by_id_switches_the_origin(emu):
    assert get(emu, "/alt/page").text == "alt origin"
    assert get(emu, "/page").json()["path"] == "/page"  # the behavior's own origin


def test_a_write_reaches_the_functions_after_the_propagation_delay(emu, kvs):
    before = seen_by_origin(get(emu, "/propagation"))["x-kvs-value"]
    put_started = time.monotonic()
    put(kvs, "greeting", "written by the test")
    put_done = time.monotonic()
    client, arn = kvs
    assert client.get_key(KvsARN=arn, Key="greeting")["Value"] == "written by the test"
    # (earliest the request can have run after the write, latest, what it saw): the write
    # happened between put_started and put_done, the function ran within its request.
    seen = []
    while time.monotonic() - put_done < PROPAGATION_S + 2:
        start = time.monotonic()
        value = seen_by_origin(get(emu, "/propagation"))["x-kvs-value"]
        seen.append((start - put_done, time.monotonic() - put_started, value))
        time.sleep(0.1)
    new = [(early, late) for early, late, value in seen if value == "written by the test"]
    assert new, seen
    assert new[0][1] >= PROPAGATION_S and new[0][0] <= PROPAGATION_S + 0.5
    assert all(value == before for early, late, value in seen if late < PROPAGATION_S)
    first = seen.index(next(s for s in seen if s[2] == "written by the test"))
    assert all(value == "written by the test" for _, _, value in seen[first:])


def test_a_stale_etag_is_a_conflict(kvs):
    client, arn = kvs
    stale = client.describe_key_value_store(KvsARN=arn)["ETag"]
    client.put_key(KvsARN=arn, Key="conflict", Value="1", IfMatch=stale)
    with pytest.raises(ClientError) as caught:
        client.put_key(KvsARN=arn, Key="conflict", Value="2", IfMatch=stale)
    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert client.get_key(KvsARN=arn, Key="conflict")["Value"] == "1"


def _code(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response[
        "ResponseMetadata"]["HTTPStatusCode"]


def test_every_quota_is_refused_with_its_error(kvs):
    client, arn = kvs

    def etag():
        return client.describe_key_value_store(KvsARN=arn)["ETag"]

    long_key, big_value = "k" * (edge_rules.KVS_MAX_KEY_BYTES + 1), "v" * 1025
    assert _code(lambda: client.put_key(KvsARN=arn, Key=long_key, Value="x",
                                        IfMatch=etag())) == ("ValidationException", 400)
    assert _code(lambda: client.put_key(KvsARN=arn, Key="big", Value=big_value,
                                        IfMatch=etag())) == ("ValidationException", 400)
    too_many = [{"Key": f"many{i}", "Value": "x"} for i in range(51)]
    assert _code(lambda: client.update_keys(KvsARN=arn, Puts=too_many, IfMatch=etag())) \
        == ("ValidationException", 400)
    huge = [{"Key": "huge", "Value": "x" * edge_rules.KVS_MAX_UPDATE_BYTES}]
    assert _code(lambda: client.update_keys(KvsARN=arn, Puts=huge, IfMatch=etag())) \
        == ("ValidationException", 400)
    # Fill toward 5 MB with full-size pairs, 50 per call, until the store refuses.
    refused = None
    for batch in range(80):
        puts = [{"Key": f"fill{batch:02d}-{i:02d}".ljust(edge_rules.KVS_MAX_KEY_BYTES, "k"),
                 "Value": "v" * edge_rules.KVS_MAX_VALUE_BYTES} for i in range(50)]
        try:
            client.update_keys(KvsARN=arn, Puts=puts, IfMatch=etag())
        except ClientError as err:
            refused = err.response["Error"]["Code"]
            break
    assert refused == "ServiceQuotaExceededException"
    size = client.describe_key_value_store(KvsARN=arn)["TotalSizeInBytes"]
    assert edge_rules.KVS_MAX_STORE_BYTES - 50 * 1536 < size <= edge_rules.KVS_MAX_STORE_BYTES
    deletes = [{"Key": item["Key"]} for item in _all_keys(client, arn)
               if item["Key"].startswith("fill")]
    for start in range(0, len(deletes), 50):  # leave the store as the other tests expect
        client.update_keys(KvsARN=arn, Deletes=deletes[start:start + 50], IfMatch=etag())


def _all_keys(client, arn):
    return [item for page in client.get_paginator("list_keys").paginate(KvsARN=arn)
            for item in page.get("Items", [])]


def test_a_missing_store_is_resource_not_found(kvs):
    client, arn = kvs
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    assert _code(lambda: client.describe_key_value_store(KvsARN=missing)) == \
        ("ResourceNotFoundException", 404)


def test_function_logs_go_to_their_group_in_us_east_1(emu, moto_url):
    request_path = f"/logged/{time.time_ns()}"
    get(emu, request_path, EU)
    (mine,) = _function_lines(emu, moto_url, request_path)
    lines = _function_lines(emu, moto_url, mine.split(" ", 1)[0])
    request_id = mine.split(" ", 1)[0]
    own = [line.split(" ", 1)[1] for line in lines if line.startswith(request_id + " ")]
    assert own[0].startswith("START DistributionID: E")
    assert own[-1].startswith("END ComputeUtilization: ")


# --- refused at start ---------------------------------------------------------------------

def _edited(functions_assembly, tmp_path, edit):
    return edited_copy(functions_assembly, tmp_path / "cdk.out", edit)


def _resource(template, prefix):
    return next(r for k, r in template["Resources"].items() if k.startswith(prefix))


def _default_behavior(template):
    dist = next(r for r in template["Resources"].values()
                if r["Type"] == "AWS::CloudFront::Distribution")
    return dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]


def _refusal(functions_assembly, tmp_path, moto_url, edit):
    with pytest.raises(UsageError) as caught:
        Emulator(_edited(functions_assembly, tmp_path, edit), moto_url, [US])
    return str(caught.value)


def test_code_over_10_kb_is_refused_at_start(functions_assembly, tmp_path, moto_url):
    def pad(template):
        props = _resource(template, "Router")["Properties"]
        props["FunctionCode"] += "//" + "x" * edge_rules.FUNCTION_MAX_CODE_BYTES
    message = _refusal(functions_assembly, tmp_path, moto_url, pad)
    assert "Router" in message and "10240" in message


def test_code_that_does_not_compile_is_refused_at_start(functions_assembly, tmp_path,
                                                       moto_url):
    def break_it(template):
        _resource(template, "Router")["Properties"]["FunctionCode"] += "\n}}"
    assert "SyntaxError" in _refusal(functions_assembly, tmp_path, moto_url, break_it)


def test_a_function_and_lambda_at_edge_on_one_viewer_event_are_refused(
        functions_assembly, tmp_path, moto_url):
    def both(template):
        echo = next(k for k, r in template["Resources"].items()
                    if r["Type"] == "AWS::Lambda::Function" and k.startswith("Echo"))
        template["Resources"]["EchoVersion"] = {
            "Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": echo}}}
        _default_behavior(template)["LambdaFunctionAssociations"] = [
            {"EventType": "viewer-request", "LambdaFunctionARN": {"Ref": "EchoVersion"}}]
    assert "CloudFront refuses both on one event" in _refusal(
        functions_assembly, tmp_path, moto_url, both)


def test_a_function_on_an_origin_event_is_refused(functions_assembly, tmp_path, moto_url):
    def origin_event(template):
        _default_behavior(template)["FunctionAssociations"][0]["EventType"] = "origin-request"
    assert "viewer events only" in _refusal(functions_assembly, tmp_path, moto_url,
                                            origin_event)
