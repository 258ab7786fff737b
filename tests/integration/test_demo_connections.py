"""make demo on loopback only (and its loop closed: the forecast replays the emulator's
standard logs, legacy and v2, and each agrees with verify within 0.05): every connection of every process it starts goes to 127.0.0.1,
with AWS credentials in the environment and no endpoint flag (verify reads its endpoints from
the emulator's outputs file).

Each process records its own connections through a Python audit hook (sys.addaudithook on
socket.connect and socket.getaddrinfo): the demo and the moto server through
tests/audit/sitecustomize.py, the isolated workers through the emulator's audit variable.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from edge_persist.emulator.environments.python_worker import AUDIT_ENV
from tests.conftest import ROOT

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.mark.slow
def test_the_demo_connects_to_loopback_only(cloud_assembly_with_logs, tmp_path):
    shutil.copytree(cloud_assembly_with_logs, tmp_path / "cdk.out")
    audit = tmp_path / "connections.jsonl"
    # Credentials in the environment (plainly fake): a run that read its endpoints from
    # anywhere but the emulator's outputs file would take them to AWS, and the audit would see
    # it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "fake-access-key-for-the-audit",
                "AWS_SECRET_ACCESS_KEY": "fake-secret-key-for-the-audit",
                "AWS_DEFAULT_REGION": "us-east-1"})
    env.update({AUDIT_ENV: str(audit), "PYTHONPATH": f"{ROOT / 'tests' / 'audit'}{os.pathsep}{ROOT}",
                "HOME": str(tmp_path)})  # no ~/.aws: the real default chain would look there
    result = subprocess.run([sys.executable, "-m", "edge_persist.demo"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    starts = [r["detail"] for r in records if r["kind"] == "start"]
    assert any("edge_persist.demo" in s for s in starts), starts
    assert any("motoserver" in s for s in starts), starts
    assert any("worker.py" in s for s in starts), starts
    connects = [r["detail"] for r in records if r["kind"] == "connect"]
    assert connects  # the hook saw traffic
    assert all(d.startswith(("('127.0.0.1'", "('::1'")) or not d.startswith("(")
               for d in connects), sorted(set(connects))
    lookups = {r["detail"] for r in records if r["kind"] == "lookup"}
    assert lookups <= set(LOOPBACK), lookups
    assert "169.254.169.254" not in audit.read_text()
    # The loop closed: the forecast replayed the emulator's standard logs and agrees with
    # what verify measured in the sessions round.
    # Both: the legacy logs and the v2 ones (Parquet in Hive-compatible partitions).
    measured = json.loads((tmp_path / "out/demo/sessions.json").read_text())["sessions"]
    for name in ("forecast-from-logs", "forecast-from-logs-v2"):
        replayed = json.loads((tmp_path / f"out/demo/{name}.json").read_text())
        assert replayed["source"] == "access-logs"
        assert replayed["requests"] == measured["requests"], name
        assert abs(replayed["hit_ratio"] - measured["hit_ratio"]) <= 0.05, name
