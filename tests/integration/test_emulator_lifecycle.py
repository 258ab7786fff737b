"""What the emulator leaves behind and tells: init errors, bytecode, forked children, its
moto server."""
import signal
import subprocess
import sys
import time

import pytest
import requests

from edge_persist import contract
from edge_persist.emulator.template import StackReader
from tests.conftest import ROOT

EDGE_GROUP = contract.edge_log_group("EdgePersistStack-edge")


def _messages(logs_client, region, group):
    return [e["message"] for e in logs_client(region).filter_log_events(
        logGroupName=group)["events"]]


@pytest.mark.parametrize("code, error_type, words", [
    ("def handler(event, context:\n    return event\n", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'handler'"),
    ("import no_such_module\n", "Runtime.ImportModuleError",
     "Unable to import module 'handler': No module named 'no_such_module'"),
    ("raise RuntimeError('config missing')\n", "RuntimeError", "config missing"),
    ("x = 1\n", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'handler'"),
])
def test_an_init_error_answers_503_is_logged_as_lambda_does_and_said_once(
        emulator, cdk_out_copy, logs_client, capfd, code, error_type, words):
    emu = emulator(cdk_out_copy(edge_code=code), regions=["eu-west-3"])
    answers = [requests.get(emu.url, timeout=30, verify=emu.certificate) for _ in range(2)]
    assert [a.status_code for a in answers] == [503, 503]
    assert answers[0].headers["X-Cache"] == "LambdaExecutionError from CloudFront"
    said = [line for line in capfd.readouterr().err.splitlines() if "init failed" in line]
    assert len(said) == 1, said
    assert said[0].startswith(f"emulator: edge function EdgePersistStack-edge: init failed: "
                              f"{error_type}: ") and words in said[0]
    emu.shipper.flush()
    logged = _messages(logs_client, "eu-west-3", EDGE_GROUP)
    assert any(m.startswith(f"[ERROR] {error_type}: ") and words in m for m in logged), logged
    reports = [m for m in logged if m.startswith("INIT_REPORT ")]
    assert len(reports) == 2  # one per cold start, as Lambda retries init
    assert all(f"Status: error\tError Type: {error_type}" in m for m in reports)


def test_workers_write_no_bytecode_into_the_code_asset(emulator, cdk_out_copy):
    out = cdk_out_copy()
    emu = emulator(out)
    assert requests.get(emu.url, timeout=30, verify=emu.certificate).status_code == 200
    assets = [a.function.code_dir for a in StackReader(out).read().associations]
    assert not [p for d in assets for p in d.rglob("__pycache__")]


def test_a_handler_that_forks_leaves_no_process_behind(emulator, cdk_out_copy, tmp_path):
    pid_file = tmp_path / "child.pid"
    code = ("import os, subprocess, sys\n"
            "from handler_original import handler as original\n"
            "def handler(event, context):\n"
            "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
            f"    open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
            "    return original(event, context)\n")
    out = cdk_out_copy()
    edge = StackReader(out).read().associations[0].function
    (edge.code_dir / "handler_original.py").write_text((edge.code_dir / "handler.py").read_text())
    (edge.code_dir / "handler.py").write_text(code)
    emu = emulator(out)
    assert requests.get(emu.url, timeout=30, verify=emu.certificate).status_code == 200
    child = int(pid_file.read_text())
    emu.stop()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has already exited
    except FileNotFoundError:
        return False


def test_a_killed_emulator_takes_its_moto_server_with_it(cloud_assembly, tmp_path):
    outputs = tmp_path / "outputs.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "edge_persist.emulator", "--cdk-out", str(cloud_assembly),
         "--outputs-file", str(outputs)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        logs_url = next(line.split()[1] for line in process.stdout if line.startswith("logs"))
        assert requests.get(f"{logs_url}/moto-api/", timeout=5).ok
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(f"{logs_url}/moto-api/", timeout=1)
        except requests.ConnectionError:
            return
        time.sleep(0.2)
    pytest.fail(f"the moto server at {logs_url} outlived the emulator")
