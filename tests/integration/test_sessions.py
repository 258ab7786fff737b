"""verify --sessions against the emulator: the edge's per-session store, measured."""
import json

from edge_persist.emulator.template import StackReader
from edge_persist.verify.cli import main as verify


def run_verify(emu, moto_url, tmp_path, *extra):
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(json.dumps(emu.outputs()))
    report = tmp_path / "report.json"
    code = verify(["--outputs-file", str(outputs), "--endpoint-url", moto_url,
                   "--regions", "eu-west-3", "--log-timeout", "20", "--no-progress",
                   "--json", str(report), *extra])
    return code, json.loads(report.read_text())


def test_sessions_hit_in_edge_memory_faster_than_the_origin(emulator, moto_url, tmp_path,
                                                            capsys):
    emu = emulator(regions=["eu-west-3"])
    code, report = run_verify(emu, moto_url, tmp_path, "--sessions", "3", "--requests", "18",
                              "--interval", "0.05")
    block = report["sessions"]
    assert code == 0 and report["verdict"] == "persisted"
    # One environment (one request at a time): each session misses once, then hits.
    assert (block["requests"], block["misses"], block["hits"]) == (18, 3, 15)
    assert block["hit_ratio"] == round(15 / 18, 3)
    assert block["p50_hit_ms"] < block["p50_miss_ms"]
    assert block["per_region"] == {"eu-west-3": {"requests": 18, "hit_ratio": round(15 / 18, 3),
                                                 "environments": 1}}
    assert block["evictions"] == 0
    assert report["summary"]["logs_missing"] == 0  # hits are not waited for at the origin
    assert "sessions: 83% of 18 requests found their session" in capsys.readouterr().out


def test_a_tiny_budget_evicts_and_verify_reports_it(emulator, cdk_out_copy, moto_url, tmp_path):
    out = cdk_out_copy()
    edge = StackReader(out).read().associations[0].function
    # Room for about two entries of ~700 bytes; three sessions in turn push each other out.
    (edge.code_dir / "config.json").write_text(json.dumps(
        {"sessionBudgetMb": 0.0013, "statsEverySeconds": 0.001}))
    emu = emulator(out, regions=["eu-west-3"])
    code, report = run_verify(emu, moto_url, tmp_path, "--sessions", "3", "--requests", "12",
                              "--interval", "0.05")
    block = report["sessions"]
    assert block["hits"] == 0 and block["evictions"] >= 8
    assert code == 0  # the main verdict keeps its meaning: the value still persisted
