"""The Lambda@Edge origin-request handler, on the AWS guide's origin-request sample."""
import copy
import json
import re

from edge_persist import contract
from tests.conftest import fresh_module, load_event

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def header(request, name):
    return [entry["value"] for entry in request["headers"][name]]


def test_injects_the_four_contract_headers(edge_module, origin_request_event):
    request = edge_module.handler(origin_request_event, None)
    assert ISO_MS.match(header(request, contract.HEADER_VALUE)[0])
    assert header(request, contract.HEADER_ENV) == [edge_module.ENV_ID]
    assert header(request, contract.HEADER_REGION) == ["eu-west-3"]
    assert header(request, contract.HEADER_INVOCATION) == ["1"]
    for name in contract.PERSIST_HEADERS:
        assert request["headers"][name][0]["key"].lower() == name


def test_overwrites_values_the_viewer_spoofed(edge_module, origin_request_event):
    headers = origin_request_event["Records"][0]["cf"]["request"]["headers"]
    for name in contract.PERSIST_HEADERS:
        headers[name] = [{"key": name, "value": "spoofed"}, {"key": name, "value": "again"}]
    request = edge_module.handler(origin_request_event, None)
    for name in contract.PERSIST_HEADERS:
        assert "spoofed" not in header(request, name) and len(header(request, name)) == 1


def test_same_value_across_calls_in_one_environment(edge_module, origin_request_event):
    values = [header(edge_module.handler(copy.deepcopy(origin_request_event), None),
                     contract.HEADER_VALUE)[0] for _ in range(5)]
    assert len(set(values)) == 1
    assert edge_module.dataToPersist == values[0]


def test_fresh_import_is_a_new_environment_with_a_new_value(monkeypatch, origin_request_event):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    first, second = fresh_module("lambda_edge"), fresh_module("lambda_edge")
    a = first.handler(copy.deepcopy(origin_request_event), None)
    # Millisecond timestamps: force a different clock reading for the second environment.
    monkeypatch.setattr(second, "_utc_now_iso", lambda: "2030-01-01T00:00:00.000Z")
    b = second.handler(copy.deepcopy(origin_request_event), None)
    assert header(a, contract.HEADER_VALUE) != header(b, contract.HEADER_VALUE)
    assert header(a, contract.HEADER_ENV) != header(b, contract.HEADER_ENV)


def test_counter_counts_invocations_of_this_environment(edge_module, origin_request_event):
    counts = [header(edge_module.handler(copy.deepcopy(origin_request_event), None),
                     contract.HEADER_INVOCATION)[0] for _ in range(3)]
    assert counts == ["1", "2", "3"]


def test_region_comes_from_aws_region_or_is_unknown(monkeypatch, origin_request_event):
    monkeypatch.delenv("AWS_REGION", raising=False)
    module = fresh_module("lambda_edge")
    assert header(module.handler(origin_request_event, None), contract.HEADER_REGION) == ["unknown"]


def test_untouched_fields_stay_untouched(edge_module, origin_request_event):
    original = copy.deepcopy(origin_request_event["Records"][0]["cf"]["request"])
    request = edge_module.handler(origin_request_event, None)
    for name in contract.PERSIST_HEADERS:
        del request["headers"][name]
    assert request == original


def test_logs_edge_init_once_per_environment(edge_module, origin_request_event, capsys):
    for _ in range(3):
        edge_module.handler(copy.deepcopy(origin_request_event), None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines == [{"event": "edge_init", "dataToPersist": edge_module.dataToPersist,
                      "env": edge_module.ENV_ID, "region": "eu-west-3"}]


def test_copes_with_no_headers_multi_values_unicode_and_empty_query(edge_module):
    event = load_event("origin_request")
    request = event["Records"][0]["cf"]["request"]
    del request["headers"]
    assert header(edge_module.handler(copy.deepcopy(event), None), contract.HEADER_INVOCATION) == ["1"]
    request["headers"] = {"accept": [{"key": "Accept", "value": "a"}, {"key": "accept", "value": "b"}],
                          "x-name": [{"key": "X-Name", "value": "Zoë ☃ 東京"}]}
    request["querystring"] = ""
    out = edge_module.handler(event, None)
    assert header(out, "accept") == ["a", "b"]
    assert header(out, "x-name") == ["Zoë ☃ 東京"]
    assert out["querystring"] == ""
