"""The forecast and the emulator, on the same small scenario, agree.

verify --sessions runs against the emulator with a short environment lifetime, so sessions
lose their data at each recycle and the hit ratio sits well between 0 and 1; the forecast
replays the same probes (send times, sessions) with the same lifetime and routing (mru, both
defaults).
"""
import json

from edge_persist.forecast.calibrate import replayed
from edge_persist.forecast.model import Parameters, simulate
from edge_persist.verify.cli import main as verify

LIFETIME_S, SESSIONS, REQUESTS, INTERVAL = 2.0, 4, 40, 0.15


def test_the_forecast_agrees_with_the_emulator(emulator, moto_url, tmp_path):
    emu = emulator(regions=["eu-west-3"], max_lifetime=LIFETIME_S)
    outputs = tmp_path / "cdk-outputs.json"
    outputs.write_text(json.dumps(emu.outputs()))
    report_path = tmp_path / "report.json"
    verify(["--outputs-file", str(outputs), "--endpoint-url", moto_url, "--regions",
            "eu-west-3", "--sessions", str(SESSIONS), "--requests", str(REQUESTS),
            "--interval", str(INTERVAL), "--log-timeout", "20", "--no-progress",
            "--json", str(report_path)])
    report = json.loads(report_path.read_text())
    measured = report["sessions"]
    assert 0.2 < measured["hit_ratio"] < 0.9  # well between 0 and 1
    hit_ms, miss_ms = measured["p50_hit_ms"], measured["p50_miss_ms"]
    # The same probes at the same moments: a loaded machine stretches the schedule, and the
    # model must see the stretch the emulator saw.
    model = simulate(Parameters(
        regions={"eu-west-3": 1.0}, sessions=SESSIONS, arrivals=replayed(report["probes"]),
        max_lifetime=LIFETIME_S, lifetime_jitter=0.0,
        hit_ms=("fixed", hit_ms), miss_ms=("fixed", miss_ms), invoke_ms=hit_ms))
    assert abs(model["hit_ratio"] - measured["hit_ratio"]) <= 0.05, (model["hit_ratio"],
                                                                      measured["hit_ratio"])
    assert abs(model["cold_starts"] - report["summary"]["environments"]) <= 1
