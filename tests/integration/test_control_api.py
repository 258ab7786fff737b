"""The emulator's control API (docs/control-api.md): JSON over HTTP on loopback, for tests in
any language. One emulator of the feature app for the module."""
import json

import boto3
import pytest
import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.server import Emulator

US, EU = "us-east-1", "eu-west-3"


@pytest.fixture(scope="module")
def emu(feature_assembly, moto_url):
    emulator = Emulator(feature_assembly, moto_url, [US, EU]).start()
    yield emulator
    emulator.stop()


def api(emu, method, route, **kwargs):
    answer = requests.request(method, f"{emu.api_url}/emulator/{route}", timeout=30, **kwargs)
    return answer.status_code, answer.json()


def get(emu, path, region=US):
    return requests.get(emu.url + path, headers={REGION_HEADER: region}, timeout=30)


def counts(answer):
    return int(answer.headers["x-count-viewer-request"])


def test_it_lists_the_distributions_and_the_functions(emu):
    status, distributions = api(emu, "GET", "distributions")
    assert status == 200
    (dist,) = distributions
    assert dist["url"] == emu.url and dist["id"] == emu.distribution_id
    assert emu.outputs()["Emulator"]["DistributionIds"] == {dist["logicalId"]: dist["id"]}
    status, functions = api(emu, "GET", "functions")
    by_name = {f["name"]: f for f in functions}
    edge = next(f for f in functions if f["kind"] == "lambda-edge")
    assert edge["logGroup"] == f"/aws/lambda/us-east-1.{edge['name']}"
    assert edge["logicalId"].startswith("Edge") and edge["runtime"] == "python3.13"
    assert {f["kind"] for f in functions} >= {"lambda-edge", "lambda"}
    assert emu.outputs()["Emulator"]["FunctionLogGroups"] == {
        name: f["logGroup"] for name, f in by_name.items()}


def test_reset_empties_caches_recycles_environments_and_clears_logs(emu, moto_url):
    warm = [counts(get(emu, "/reset-a?v=1")) for _ in range(3)]
    assert warm == sorted(warm) and warm[-1] >= 3  # one warm environment counting up
    status, envs = api(emu, "GET", "environments")
    assert status == 200 and any(e["invocations"] >= 3 for e in envs)
    assert api(emu, "GET", "logs", params={"function": "Edge"})[1]["lines"]
    assert api(emu, "POST", "reset") == (200, {})
    assert counts(get(emu, "/reset-a?v=1")) == 1  # a fresh environment, and a cache miss
    lines = api(emu, "GET", "logs", params={"function": "Edge"})[1]["lines"]
    assert lines and all(line["region"] == US for line in lines)
    assert sum(line["message"].startswith("START") for line in lines) == 4  # one request
    logs = boto3.client("logs", region_name=US, endpoint_url=moto_url,
                        aws_access_key_id="t", aws_secret_access_key="t")
    emu.shipper.flush()
    shipped = logs.filter_log_events(logGroupName=lines and next(
        f["logGroup"] for f in emu.functions() if f["kind"] == "lambda-edge"))["events"]
    assert sum(e["message"].startswith("START") for e in shipped) == 4  # only since reset


def test_recycle_by_function_and_region(emu):
    get(emu, "/recycle-b", US), get(emu, "/recycle-b", EU)
    before = {(e["function"], e["region"]) for e in api(emu, "GET", "environments")[1]}
    edge = next(f["name"] for f in emu.functions() if f["kind"] == "lambda-edge")
    assert {(edge, US), (edge, EU)} <= before
    status, recycled = api(emu, "POST", "recycle", json={"function": "Edge", "region": EU})
    assert status == 200 and recycled["recycled"] >= 1
    after = {(e["function"], e["region"]) for e in api(emu, "GET", "environments")[1]}
    assert (edge, EU) not in after and (edge, US) in after


def test_invalidate_drops_what_is_cached(emu):
    path = "/inval?v=7&cc=max-age%3D3600"  # the echo origin sends Cache-Control: max-age=3600
    assert get(emu, path).headers["X-Cache"].startswith("Miss")
    assert get(emu, path).headers["X-Cache"].startswith("Hit")
    status, dropped = api(emu, "POST", "invalidate", json={"paths": ["/inval*"]})
    assert status == 200 and dropped["dropped"] >= 1
    assert get(emu, path).headers["X-Cache"].startswith("Miss")


@pytest.mark.parametrize("method, route, kwargs, words", [
    ("GET", "logs", {}, "?function"),
    ("GET", "logs", {"params": {"function": "nothing-like-it"}}, "no function"),
    ("POST", "invalidate", {"json": {"paths": ["no-slash"]}}, "must begin with /"),
    ("POST", "invalidate", {"data": b"[" * 5000}, "nests deeper"),
    ("POST", "invalidate", {"data": b"{nope"}, "not valid JSON"),
    ("POST", "recycle", {"json": {"function": 7}}, "must be a string"),
    ("POST", "recycle", {"json": ["a list"]}, "JSON object"),
])
def test_a_bad_request_is_400_with_one_line(emu, method, route, kwargs, words):
    status, answer = api(emu, method, route, **kwargs)
    assert status == 400 and words in answer["error"] and "\n" not in answer["error"]


def test_an_unknown_route_is_404(emu):
    assert api(emu, "GET", "nothing")[0] == 404
    answer = requests.get(f"{emu.api_url}/emulator/reset", timeout=10)
    assert answer.status_code == 404 and json.loads(answer.text)["error"]
