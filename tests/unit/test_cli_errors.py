"""Every command-line tool, every bad input: the documented exit code, one stderr line, no
traceback. Tools run in-process (an escaped exception fails the test as a traceback would)."""
import json

import pytest

from edge_persist import cleanup, contract, preflight
from edge_persist.verify import render
from edge_persist.verify import cli as verify_tool
from edge_persist.emulator import __main__ as emulator_tool
from edge_persist.forecast import __main__ as forecast_tool

USAGE, EVIDENCE = contract.EXIT_USAGE, contract.EXIT_EVIDENCE
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback


def _file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _assembly(tmp_path, manifest=None, template=b"{"):
    """A cdk.out whose manifest or template is broken."""
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "S.template.json").write_bytes(template)
    (out / "manifest.json").write_bytes(manifest or json.dumps({"artifacts": {"S": {
        "type": "aws:cloudformation:stack", "environment": "aws://unknown-account/us-east-1",
        "properties": {"templateFile": "S.template.json"}}}}).encode())
    return str(out)


# (tool, argv built from tmp_path, exit code, words the one stderr line must hold)
CASES = [
    ("verify", lambda t: ["--url", "ftp://example.com"], USAGE, "not an http:// or https:// URL"),
    ("verify", lambda t: ["--url", "localhost:8080"], USAGE, "not an http:// or https:// URL"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--interval", "inf"], USAGE, "not a finite"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--interval", "nan"], USAGE, "not a finite"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--log-timeout", "inf"], USAGE, "not a finite"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--pause", "3:inf"], USAGE, "AFTER:SECONDS"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--json", str(t)], USAGE, "is a directory"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--json",
                          _file(t, "f", b"") + "/r.json"], USAGE, "cannot write"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--plot",
                          _file(t, "f", b"") + "/t.png"], USAGE, "cannot write"),
    ("verify", lambda t: ["--outputs-file", str(t)], USAGE, "is a directory"),
    ("verify", lambda t: ["--outputs-file", _file(t, "o.json", b"\xff\xfe{}")], USAGE,
     "not UTF-8"),
    ("verify", lambda t: ["--outputs-file", _file(t, "o.json", b"{")], USAGE, "not valid JSON"),
    ("verify", lambda t: ["--outputs-file", _file(t, "o.json", json.dumps({"S": {
        "DistributionUrl": "file:///etc", "EdgeFunctionName": "e",
        "OriginLogGroupName": "g"}}).encode())], USAGE, "not an http:// or https:// URL"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--requests", "1", "--interval", "0",
                          "--no-progress"], EVIDENCE, "cannot reach"),
    ("emulator", lambda t: ["--port", "0"], USAGE, "below 1"),
    ("emulator", lambda t: ["--port", "70000"], USAGE, "above 65535"),
    ("emulator", lambda t: ["--alb-port", "-1"], USAGE, "below 1"),
    ("emulator", lambda t: ["--idle-timeout", "-1"], USAGE, "below 0"),
    ("emulator", lambda t: ["--max-lifetime", "nan"], USAGE, "not a finite"),
    ("emulator", lambda t: ["--cdk-out", _assembly(t, manifest=b"not json")], USAGE,
     "manifest.json is not valid JSON"),
    ("emulator", lambda t: ["--cdk-out", _assembly(t)], USAGE, "S.template.json is not valid"),
    ("emulator", lambda t: ["--cdk-out", str(t / "missing")], USAGE, "run `cdk synth`"),
    ("preflight", lambda t: [_assembly(t, manifest=b"\xff")], USAGE, "not UTF-8"),
    ("preflight", lambda t: [_assembly(t)], USAGE, "S.template.json is not valid JSON"),
    ("preflight", lambda t: [str(t / "missing")], USAGE, "run `cdk synth`"),
    ("forecast", lambda t: ["--rps", "-5"], USAGE, "below 0"),
    ("forecast", lambda t: ["--regions", "us-east-1=0.7,eu-west-3=0.7"], USAGE, "sum to 1"),
    ("forecast", lambda t: ["--regions", "mars-1=1"], USAGE, "unknown region"),
    ("forecast", lambda t: ["--routing", "fifo"], USAGE, "invalid choice"),
    ("forecast", lambda t: ["--from-report", _file(t, "r.json", b"{}")], USAGE,
     "no sessions block"),
    ("forecast", lambda t: ["--plot", "f.jpg"], USAGE, ".png"),
    ("forecast", lambda t: ["--json", str(t)], USAGE, "is a directory"),
    ("forecast", lambda t: ["--plot", _file(t, "f", b"") + "/p.png"], USAGE, "cannot write"),
    ("emulator", lambda t: ["--origin", "api.example.com"], USAGE, "DOMAIN=http://127.0.0.1"),
    ("emulator", lambda t: ["--origin", "api.example.com=http://10.0.0.1:80"], USAGE,
     "loopback"),
    ("emulator", lambda t: ["--env-routing", "fifo"], USAGE, "invalid choice"),
    ("emulator", lambda t: ["--kvs-propagation", "-1"], USAGE, "below 0"),
    ("emulator", lambda t: ["--kvs-propagation", "inf"], USAGE, "not a finite"),
    ("verify", lambda t: ["--url", UNREACHABLE, "--sessions", "-1"], USAGE, "below 0"),
    ("cleanup", lambda t: ["--what"], USAGE, "unrecognized"),
    ("cleanup", lambda t: ["--outputs-file", str(t), "--endpoint-url", UNREACHABLE], USAGE,
     "is a directory"),
    ("cleanup", lambda t: ["--outputs-file", _file(t, "o.json", b"\xff"),
                           "--endpoint-url", UNREACHABLE], USAGE, "not UTF-8"),
    ("cleanup", lambda t: ["--outputs-file", str(t / "none.json"), "--endpoint-url",
                           UNREACHABLE], EVIDENCE, "cannot reach the AWS endpoint"),
    ("cleanup", lambda t: ["--regions", "mars-1", "--endpoint-url", UNREACHABLE], USAGE,
     "unknown region"),
    # Hostile files, the same in every tool: nesting deep enough to exhaust a recursive
    # reader, a manifest artifact without its properties, conditions that name themselves.
    *[(tool, argv, USAGE, "nests deeper than 100 levels") for tool, argv in (
        ("emulator", lambda t: ["--cdk-out", _assembly(t, template=DEEP)]),
        ("emulator", lambda t: ["--cdk-out", _assembly(t, manifest=DEEP)]),
        ("preflight", lambda t: [_assembly(t, template=DEEP)]),
        ("verify", lambda t: ["--outputs-file", _file(t, "o.json", DEEP)]),
        ("cleanup", lambda t: ["--outputs-file", _file(t, "o.json", DEEP), "--endpoint-url",
                               UNREACHABLE]),
        ("forecast", lambda t: ["--from-report", _file(t, "r.json", DEEP)]),
        ("forecast", lambda t: ["--pop-regions", _file(t, "p.json", DEEP),
                                "--from-access-logs", str(t)]),
    )],
    ("emulator", lambda t: ["--cdk-out", _assembly(t, manifest=json.dumps({"artifacts": {
        "S": {"type": "aws:cloudformation:stack"}}}).encode())], USAGE, "no templateFile"),
    ("preflight", lambda t: [_assembly(t, manifest=json.dumps({"artifacts": {
        "S": {"type": "aws:cloudformation:stack", "properties": []}}}).encode())], USAGE,
     "no templateFile"),
    ("emulator", lambda t: ["--cdk-out", _assembly(t, template=json.dumps({
        "Conditions": {"A": {"Fn::Not": [{"Condition": "B"}]},
                       "B": {"Fn::Not": [{"Condition": "A"}]}},
        "Resources": {}}).encode())], USAGE, "conditions A, B depend on themselves"),
    ("emulator", lambda t: ["--origin", "api.example.com=http://127.0.0.1:99999"], USAGE,
     "port 1 to 65535"),
    ("emulator", lambda t: ["--origin", "api.example.com=http://127.0.0.1:0"], USAGE,
     "port 0"),
    ("emulator", lambda t: ["--logs-endpoint", "http://logs.example.com:4566"], USAGE,
     "loopback only"),
    ("emulator", lambda t: ["--logs-endpoint", "file:///etc/passwd"], USAGE, "loopback only"),
]
# JSON nested 100,000 deep: json.loads itself recurses.
DEEP = b"[" * 100_000 + b"]" * 100_000
TOOLS = {"verify": verify_tool.main, "emulator": emulator_tool.main,
         "preflight": preflight.main, "cleanup": cleanup.main, "forecast": forecast_tool.main}


@pytest.mark.parametrize("tool, argv, code, words", CASES,
                         ids=[f"{c[0]}-{c[3][:24]}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_gives_one_line_and_its_exit_code(tool, argv, code, words, tmp_path, capsys):
    assert TOOLS[tool](argv(tmp_path)) == code
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert words in err and "Traceback" not in err


def test_a_failed_write_after_the_run_keeps_the_report_and_exits_3(tmp_path, capsys,
                                                                  monkeypatch):
    from tests.fake_distribution import FakeDistribution

    def disk_full(report, path):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(render, "plot_timeline", disk_full)
    report = tmp_path / "r.json"
    with FakeDistribution(write_logs=False) as fake:
        code = verify_tool.main(["--url", fake.url, "--requests", "2", "--interval", "0",
                                 "--no-progress", "--json", str(report),
                                 "--plot", str(tmp_path / "t.png")])
    captured = capsys.readouterr()
    assert code == EVIDENCE
    assert "persisted" in captured.out  # the verdict was still printed
    assert json.loads(report.read_text())["summary"]["requests_ok"] == 2  # and kept
    (line,) = captured.err.strip().splitlines()
    assert "t.png" in line and "No space left on device" in line
