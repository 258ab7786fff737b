"""Node.js Lambda@Edge and Node.js origins in the emulator, on apps/node_app.py: the article's
function in JavaScript, a callback handler, an ES module, inline code, a generated response,
a timeout and each init failure (Lambda guide, "Define Lambda function handler in Node.js",
"Lambda context object in Node.js", "Log and monitor Node.js Lambda functions")."""
import concurrent.futures
import json
import re
import time

import pytest
import requests
from aws_cdk import aws_cloudfront as cloudfront

from edge_persist import preflight
from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.template import read_stacks
from edge_persist.errors import UsageError
from edge_persist.emulator.server import Emulator
from tests.conftest import synthesized
from tests.integration.apps import node_app

US, EU = "us-east-1", "eu-west-3"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NODE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(\S+)\t(INFO|WARN|ERROR|DEBUG)\t")


@pytest.fixture(scope="session")
def node_assembly(tmp_path_factory):
    return synthesized(tmp_path_factory, "node.out", node_app.build)


@pytest.fixture(scope="module")
def emu(node_assembly, moto_url):
    emulator = Emulator(node_assembly, moto_url, [US, EU]).start()
    yield emulator
    emulator.stop()


def get(emu, path, region=US):
    return requests.get(emu.url + path, headers={REGION_HEADER: region}, timeout=30)


def seen(response):
    return response.json()["headers"]


def function_named(emu, logical_prefix):
    """The emulated function whose logical id starts with `logical_prefix`."""
    for model in emu.models:
        for association in model.associations:
            if association.function.name.startswith(logical_prefix):
                return association.function
    raise AssertionError(logical_prefix)


def log_lines(logs_client, region, group, want, timeout=15):
    """The group's messages in `region`, once `want(messages)` holds (logs ship each second)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = logs_client(region).filter_log_events(logGroupName=group)["events"]
        except logs_client(region).exceptions.ResourceNotFoundException:
            events = []
        messages = [e["message"] for e in events]
        if want(messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.3)


def test_the_articles_function_keeps_data_to_persist_across_invocations(emu):
    first, second, third = (seen(get(emu, "/article")) for _ in range(3))
    assert first["custom_header"] == second["custom_header"] == third["custom_header"]
    assert first["custom_header"].endswith("Z")
    counts = [int(h["x-node-invocation"]) for h in (first, second, third)]
    assert counts == [counts[0], counts[0] + 1, counts[0] + 2]  # one environment, reused


def test_each_region_has_its_own_environment_and_value(emu):
    us, eu = seen(get(emu, "/region", US)), seen(get(emu, "/region", EU))
    assert us["x-node-env"] != eu["x-node-env"]


def test_concurrent_requests_get_separate_environments_with_their_own_state(emu):
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: seen(get(emu, "/wait/x", EU)), range(4)))
    assert len({a["x-node-env"] for a in answers}) >= 2
    for env in {a["x-node-env"] for a in answers}:
        mine = [a for a in answers if a["x-node-env"] == env]
        assert len({a["custom_header"] for a in mine}) == 1  # module state is per environment


def test_lambda_makes_its_own_request_id_per_invocation(emu):
    responses = [get(emu, "/ids") for _ in range(2)]
    lambda_ids = [seen(r)["x-node-request-id"] for r in responses]
    assert all(UUID.match(i) for i in lambda_ids) and lambda_ids[0] != lambda_ids[1]
    # CloudFront's id stays CloudFront's: X-Amz-Cf-Id is not Lambda's request id
    assert all(r.headers["X-Amz-Cf-Id"] not in lambda_ids for r in responses)


def test_a_callback_handler_gets_every_documented_context_field(emu):
    context = json.loads(seen(get(emu, "/context"))["x-node-context"])
    spec = function_named(emu, "Callback")
    assert context["functionName"] == f"us-east-1.{spec.name}"
    assert context["functionVersion"] == "1" and context["memoryLimitInMB"] == "128"
    assert context["logGroupName"] == f"/aws/lambda/us-east-1.{spec.name}"
    assert re.match(r"^\d{4}/\d\d/\d\d/\[1\][0-9a-f]{32}$", context["logStreamName"])
    assert context["invokedFunctionArn"].endswith(f":function:us-east-1.{spec.name}")
    assert 0 < context["remaining"] <= 5000 and context["waits"] is True


def test_an_es_module_and_inline_code_run_on_the_response_triggers(emu):
    response = get(emu, "/modules")
    assert response.headers["X-Node-Esm"] == "origin-response"
    assert response.headers["X-Node-Inline"] == "viewer-response"


def test_a_generated_response_answers_from_the_edge(emu):
    response = get(emu, "/generated/page")
    assert response.status_code == 200
    assert response.text.startswith("generated at the edge: ")
    assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"


def test_a_timeout_answers_503_limit_exceeded_and_logs_it(emu, logs_client):
    response = get(emu, "/slow/x")
    assert response.status_code == 503
    assert response.headers["X-Cache"] == "LambdaLimitExceeded from CloudFront"
    group = function_named(emu, "Article").log_group()
    messages = log_lines(logs_client, US, group,
                         lambda ms: any("Task timed out after 1.00 seconds" in m for m in ms))
    assert any("Task timed out after 1.00 seconds" in m for m in messages)


@pytest.mark.parametrize("pattern", sorted(node_app.INIT_FAILURES))
def test_each_init_failure_answers_503_and_is_logged_as_the_node_runtime_names_it(
        emu, logs_client, capfd, pattern):
    _, error_type = node_app.INIT_FAILURES[pattern]
    response = get(emu, pattern.replace("*", "x"))
    assert response.status_code == 503
    assert response.headers["X-Cache"] == "LambdaExecutionError from CloudFront"
    behavior = next(b for m in emu.models for d in m.distributions.values()
                    for b in d.behaviors if b.path_pattern == pattern)
    group = next(iter(behavior.associations.values())).function.log_group()
    messages = log_lines(logs_client, US, group,
                         lambda ms: any(m.startswith("INIT_REPORT") for m in ms))
    uncaught = [m for m in messages if "\tERROR\tUncaught Exception \t" in m]
    assert uncaught and json.loads(uncaught[0].split("\t", 4)[4])["errorType"] == error_type
    assert any(m.startswith("INIT_REPORT") and f"Error Type: {error_type}" in m
               for m in messages)
    said = [line for line in capfd.readouterr().err.splitlines() if error_type in line]
    assert len(said) <= 1  # said once on stderr, on one line


def test_console_lines_use_the_node_runtime_format_beside_start_end_report(emu, logs_client):
    marker = seen(get(emu, "/logs", EU))["x-node-request-id"]
    group = function_named(emu, "Article").log_group()
    messages = log_lines(logs_client, EU, group,
                         lambda ms: any(m.startswith(f"REPORT RequestId: {marker}") for m in ms))
    mine = [m for m in messages if marker in m]
    assert any(m.startswith(f"START RequestId: {marker}") for m in mine)
    assert any(m.startswith(f"END RequestId: {marker}") for m in mine)
    info = [m for m in mine if NODE_LINE.match(m)]
    assert info and NODE_LINE.match(info[0]).group(1) == marker
    assert NODE_LINE.match(info[0]).group(2) == "INFO" and "dataToPersist" in info[0]


def test_the_start_says_which_local_runtime_serves_each_template_runtime(node_assembly,
                                                                        moto_url, capfd):
    with Emulator(node_assembly, moto_url, [US]):
        err = capfd.readouterr().err
    assert re.search(r"runtime nodejs22\.x: node v24\.", err)
    assert re.search(r"runtime nodejs24\.x: node v24\.", err)


def test_cdks_edge_function_is_read_across_its_stacks(tmp_path, moto_url):
    node_app.build_edge_function(tmp_path / "edge.out").synth()
    with Emulator(tmp_path / "edge.out", moto_url, [US]) as emulator:
        headers = seen(get(emulator, "/edge-function"))
    assert headers["custom_header"].endswith("Z") and headers["x-node-invocation"] == "1"


def test_preflight_traces_cdks_edge_function_across_its_stacks(tmp_path, capsys):
    """The emulator refuses a viewer-request EdgeFunction with a 10 s timeout at start;
    preflight reads the same assembly the same way and refuses it before a deploy."""
    out = tmp_path / "slow.out"
    node_app.build_edge_function(out, cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, 10).synth()
    assert preflight.main([str(out)]) == 1
    printed = capsys.readouterr().out
    assert re.search(r"E9104 Article\w* \(stack edge-lambda-stack-\w+\) has a timeout of 10 s; "
                     r"a viewer-request function may run at most 5 s", printed), printed
    with pytest.raises(UsageError, match="CloudFront refuses it"):
        read_stacks(out)
