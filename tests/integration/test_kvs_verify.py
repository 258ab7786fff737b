"""verify --kvs-write against the emulator: a write to the stack's KeyValueStore, measured as
it reaches each region after the emulated propagation delay."""
import json

from edge_persist import contract
from edge_persist.verify.cli import main as verify
from tests.docs_excerpts import differences, json_excerpts, shape

US, EU = "us-east-1", "eu-west-3"
PROPAGATION_S, INTERVAL_S = 2.0, 0.5


def test_a_write_reaches_every_region_after_the_propagation_delay(emulator, moto_url, tmp_path,
                                                                  capsys):
    emu = emulator(regions=[US, EU], routing="round-robin", kvs_propagation=PROPAGATION_S)
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(json.dumps(emu.outputs()))
    path = tmp_path / "report.json"
    # No --endpoint-url: the outputs file's Emulator block names the logs endpoint.
    code = verify(["--outputs-file", str(outputs),
                   "--regions", f"{US},{EU}", "--requests", "12", "--concurrency", "2",
                   "--interval", str(INTERVAL_S), "--kvs-write", "now", "--kvs-write-at", "4",
                   "--log-timeout", "20", "--no-progress", "--json", str(path)])
    report = json.loads(path.read_text())
    kvs = report["kvs"]
    assert code == contract.EXIT_PERSISTED
    assert kvs["value_before"] == "initial" and kvs["value_after"].endswith("Z")
    assert set(kvs["propagation_s"]) == {US, EU}
    for region, seconds in kvs["propagation_s"].items():
        # the call and one round trip add milliseconds; the interval bounds the rest
        assert PROPAGATION_S <= seconds <= PROPAGATION_S + INTERVAL_S + 0.25, (region, seconds)
    assert kvs["settled"] and kvs["stale_probes"] >= 2 and kvs["old_after_new"] == 0
    # and straight from the probes: in each region, no old value once the new one showed
    for region in (US, EU):
        values = [p["kvs_value"] for p in report["probes"] if p["kvs_region"] == region]
        first = values.index(kvs["value_after"])
        assert set(values[first:]) == {kvs["value_after"]}
        assert set(values[:first]) <= {"initial", kvs["value_after"]}
    out = capsys.readouterr().out
    assert "a write reached" in out and "edge memory:" in out
    # docs/verify.md shows a report of this kind: its keys are the ones a run writes
    (documented,) = json_excerpts("verify.md")
    assert differences(shape(documented), shape(report)) == []
