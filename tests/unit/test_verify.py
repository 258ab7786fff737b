"""verify.py end to end against a loopback distribution and moto's CloudWatch Logs."""
import json

import boto3
import pytest
from moto import mock_aws

from edge_persist import contract
from edge_persist.verify import logs, probes
from edge_persist.aws import RETRY_CONFIG, Aws
from edge_persist.verify.cli import main
from tests.aws_faults import fail_first
from tests.fake_distribution import ORIGIN_GROUP, FakeDistribution, put_lines, write_outputs

FAST = ["--interval", "0", "--log-timeout", "2", "--no-progress"]


@pytest.fixture
def aws(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


def verify(tmp_path, fake, *extra):
    report_path = tmp_path / "report.json"
    code = main(["--outputs-file", str(write_outputs(tmp_path, fake)), "--json",
                 str(report_path), *FAST, *extra])
    return code, json.loads(report_path.read_text())


def test_one_reused_environment_persists(aws, tmp_path):
    with FakeDistribution() as fake:
        code, report = verify(tmp_path, fake, "--requests", "6", "--plot",
                              str(tmp_path / "t.png"))
    assert code == contract.EXIT_PERSISTED and report["verdict"] == "persisted"
    (env,) = report["environments"]
    assert env["requests"] == 6 and env["region"] == "eu-west-3"
    assert env["sources"] == ["edge_log", "origin_log", "response"]
    assert report["summary"]["reuse_ratio"] == pytest.approx(1 - 1 / 6, abs=1e-3)
    assert report["summary"]["logs_missing"] == 0 and report["errors"] == []
    assert all(p["persist_env"] == env["env"] for p in report["probes"])
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert report["sentence"].startswith(f"custom_header kept {env['value']} for")


def test_fresh_value_on_every_request_does_not_persist(aws, tmp_path):
    with FakeDistribution(fresh_env_every_request=True) as fake:
        code, report = verify(tmp_path, fake, "--requests", "4")
    assert code == contract.EXIT_NOT_PERSISTED and report["verdict"] == "not_persisted"
    assert report["summary"]["environments"] == 4
    assert report["summary"]["reuse_ratio"] == 0


def test_logs_that_never_arrive_exit_3_and_list_the_probes(aws, tmp_path, capsys):
    with FakeDistribution(write_logs=False) as fake:
        code, report = verify(tmp_path, fake, "--requests", "3", "--log-timeout", "1")
    assert code == contract.EXIT_EVIDENCE and report["verdict"] == "inconclusive"
    ids = [p["id"] for p in report["probes"]]
    assert report["missing_probes"] == ids
    out = capsys.readouterr().out
    assert all(i in out for i in ids), out


def test_edge_logs_found_in_three_regions(aws, tmp_path):
    regions = ("eu-west-3", "us-east-1", "ap-northeast-1")
    with FakeDistribution(regions=regions) as fake:
        code, report = verify(tmp_path, fake, "--requests", "6")
    assert code == contract.EXIT_PERSISTED
    assert report["summary"]["edge_regions"] == sorted(regions)
    assert sorted(e["region"] for e in report["environments"]) == sorted(regions)


def test_scan_can_be_limited_to_some_regions(aws, tmp_path):
    with FakeDistribution(regions=("eu-west-3", "us-east-1")) as fake:
        _, report = verify(tmp_path, fake, "--requests", "4", "--regions", "us-east-1")
    assert report["summary"]["edge_regions"] == ["us-east-1"]


def test_foreign_and_malformed_lines_are_ignored(aws, tmp_path):
    junk = ["START RequestId: 1 Version: $LATEST", "not json {", '{"event": "something_else"}',
            '{"message": "{\\"event\\": 42"}', "[1, 2, 3]",
            "REPORT RequestId: 1\tDuration: 1.00 ms"]
    with FakeDistribution(extra_origin_lines=junk) as fake:
        code, report = verify(tmp_path, fake, "--requests", "3")
    assert code == contract.EXIT_PERSISTED and report["errors"] == []


@pytest.mark.parametrize("line, expected", [
    ('{"event": "edge_init", "env": "a"}', {"event": "edge_init", "env": "a"}),
    ('{"timestamp": "t", "level": "INFO", "message": {"event": "origin_request", "probe_id": "p"}}',
     {"event": "origin_request", "probe_id": "p"}),
    ('{"message": "{\\"event\\": \\"edge_init\\", \\"env\\": \\"b\\"}"}',
     {"event": "edge_init", "env": "b"}),
    ('[INFO]\t2026-11-23T00:00:00Z\treq-1\t{"event": "origin_request"}', {"event": "origin_request"}),
    ("END RequestId: 7", None), ('{"event": "edge_init"', None), ('{"event": "other"}', None),
    ("{}", None), ("", None), ('"just a string"', None),
])
def test_parse_line(line, expected):
    assert logs.parse_line(line) == expected


def test_throttling_is_retried(aws):
    put_lines("us-east-1", ORIGIN_GROUP, "s", [json.dumps(
        {"event": "origin_request", "probe_id": "p-1", "custom_header": "v"})])
    client = boto3.client("logs", region_name="us-east-1", config=RETRY_CONFIG)
    calls = fail_first(client, "before-send.cloudwatch-logs.FilterLogEvents",
                       "ThrottlingException", "Rate exceeded", times=2)
    found = logs.poll_origin(client, ORIGIN_GROUP, ["p-1"], 0, timeout_s=5)
    assert "p-1" in found and calls["n"] == 3


def test_missing_outputs_file_and_no_stack_exits_2(aws, tmp_path, capsys):
    code = main(["--outputs-file", str(tmp_path / "nope.json"), *FAST])
    err = capsys.readouterr().err.strip()
    assert code == contract.EXIT_USAGE
    assert len(err.splitlines()) == 1 and "nope.json" in err and "not found" in err


def test_an_outputs_file_of_a_stopped_emulator_exits_2(tmp_path, capsys):
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(json.dumps({
        "S": {"DistributionUrl": "https://127.0.0.1:9", "EdgeFunctionName": "f",
              "OriginLogGroupName": "g"},
        "Emulator": {"LogsEndpoint": "http://127.0.0.1:9",
                     "Certificate": str(tmp_path / "gone" / "emulator-cert.pem")}}))
    code = main(["--outputs-file", str(outputs), *FAST])
    err = capsys.readouterr().err.strip()
    assert code == contract.EXIT_USAGE
    assert len(err.splitlines()) == 1 and "has stopped" in err


def test_no_credentials_exits_2(no_aws_credentials, tmp_path, capsys):
    with FakeDistribution(write_logs=False) as fake:
        code = main(["--outputs-file", str(write_outputs(tmp_path, fake)), *FAST])
    assert code == contract.EXIT_USAGE
    assert "no AWS credentials" in capsys.readouterr().err


def test_unreachable_distribution_exits_3(capsys):
    code = main(["--url", "http://127.0.0.1:9", "--requests", "2", *FAST])
    assert code == contract.EXIT_EVIDENCE
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err


def test_url_alone_probes_without_logs(tmp_path):
    with FakeDistribution(write_logs=False) as fake:
        code = main(["--url", fake.url, "--requests", "3", "--json", str(tmp_path / "r.json"), *FAST])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == contract.EXIT_PERSISTED
    assert report["environments"][0]["sources"] == ["response"]
    assert report["summary"]["logs_found"] == 0


def test_echo_and_log_mismatch_is_reported(aws, tmp_path):
    with FakeDistribution(echo_override="2000-01-01T00:00:00.000Z") as fake:
        code, report = verify(tmp_path, fake, "--requests", "2")
    assert code == contract.EXIT_EVIDENCE
    assert any("echoed '2000-01-01T00:00:00.000Z' but the origin logged" in e
               for e in report["errors"])


@pytest.mark.parametrize("argv, words", [
    (["--requests", "0"], "below 1"), (["--interval", "abc"], "not a number"),
    (["--regions", "mars-1"], "unknown region"), (["--plot", "x.jpg"], ".png"),
    (["--what"], "unrecognized"),
])
def test_bad_flags_give_one_line_and_exit_2(argv, words, capsys):
    assert main(["--url", "http://127.0.0.1:9", *argv]) == contract.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_ctrl_c_prints_the_partial_report(aws, tmp_path, monkeypatch, capsys):
    real_run = probes.run

    def interrupted(url, *args, **kwargs):
        sent = real_run(url, 2, 0, 1, show_progress=False)
        err = KeyboardInterrupt()
        err.probes = sent
        raise err
    monkeypatch.setattr(probes, "run", interrupted)
    with FakeDistribution() as fake:
        code, report = verify(tmp_path, fake, "--requests", "10")
    assert code == contract.EXIT_EVIDENCE and report["verdict"] == "inconclusive"
    assert len(report["probes"]) == 2 and report["environments"][0]["requests"] == 2
    assert "interrupted after 2 requests" in capsys.readouterr().out


def test_a_region_that_refuses_the_scan_is_reported_not_fatal(aws, tmp_path, monkeypatch):
    real_client = Aws.client

    def client(self, service, region):
        made = real_client(self, service, region)
        if service == "logs" and region == "ap-northeast-1" and not hasattr(made, "_refusing"):
            made._refusing = fail_first(made, "before-send.cloudwatch-logs.FilterLogEvents",
                                        "UnrecognizedClientException",
                                        "The security token included in the request is invalid",
                                        times=100)
        return made
    monkeypatch.setattr(Aws, "client", client)
    with FakeDistribution(regions=("eu-west-3",)) as fake:
        code, report = verify(tmp_path, fake, "--requests", "3")
    assert code == contract.EXIT_PERSISTED
    assert any("ap-northeast-1" in e and "UnrecognizedClientException" in e
               for e in report["errors"])


def _probe(i, sent_at, value, env):
    return {"id": f"p-{i}", "sent_at": sent_at, "status": 200, "latency_ms": 1.0,
            "custom_header": value, "persist_env": env, "pop": "CDG50-C1", "error": None}


def test_a_value_seen_twice_in_the_same_instant_is_not_persistence():
    from edge_persist.verify import report, target
    probes_sent = [_probe(i, 1_000.0, "v1", "env-a") for i in range(3)]
    result = report.analyse(target.Target(url="http://x"), probes_sent, interval=0)
    assert result["verdict"] == "not_persisted"


def test_environments_of_an_earlier_run_stay_out_of_this_runs_table():
    from edge_persist.verify import report, target
    earlier = {"event": "edge_init", "env": "old", "dataToPersist": "v0", "region": "eu-west-3"}
    scans = [{"region": "eu-west-3", "edge_init": [(990_000, earlier, "s")],
              "cloudfront_errors": [], "error": None}]
    probes_sent = [_probe(0, 1_000.0, "v1", "env-a"), _probe(1, 1_005.0, "v1", "env-a")]
    result = report.analyse(target.Target(url="http://x"), probes_sent, 3, {}, scans, [])
    assert [e["env"] for e in result["environments"]] == ["env-a"]
    assert [e["env"] for e in result["other_environments"]] == ["old"]
    assert result["verdict"] == "persisted" and result["summary"]["environments"] == 1


def test_stack_name_missing_from_the_outputs_file_is_read_from_cloudformation(aws, tmp_path):
    import argparse

    from edge_persist.verify import target
    outputs = {"DistributionUrl": "https://d111111abcdef8.cloudfront.net",
               "EdgeFunctionName": "Other-edge", "OriginLogGroupName": "/aws/lambda/Other-origin"}
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="Other", TemplateBody=json.dumps({
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {k: {"Value": v} for k, v in outputs.items()}}))
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps({"EdgePersistStack": {"DistributionUrl": "https://x"}}))
    args = argparse.Namespace(url=None, outputs_file=str(path), stack_name="Other",
                              region="us-east-1")
    found = target.resolve(args, Aws())
    assert found.stack == "Other" and found.edge_function == "Other-edge"
