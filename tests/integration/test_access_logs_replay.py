"""The forecast replays a distribution's standard logs on Dask: the closed-form answer, cache
hits left out, regions apart, and the same answer whatever the number of workers."""
import json

import pytest

from edge_persist.forecast import __main__ as forecast
from tests.access_log_files import START, record, sequential, write

US, EU = "us-east-1", "eu-west-3"


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logs")
    write(folder / "E1.2026-11-30-12.a.gz", sequential(US, 5, 8), gz=True)     # 40 lines
    write(folder / "E1.2026-11-30-12.b", sequential(EU, 10, 3))                # 30 lines
    hits = [record(START, "IAD89-C1", result="Hit", cookie="ep_session=s0")] * 7
    write(folder / "E1.2026-11-30-13.c", hits + [record(START, "IAD89-C1")])  # no cookie
    return folder


def run(logs, tmp_path, *flags):
    out = tmp_path / f"forecast{len(list(tmp_path.iterdir()))}.json"
    code = forecast.main(["--from-access-logs", str(logs), "--json", str(out),
                          "--idle-timeout", "3600", "--ttl", "3600", *flags])
    assert code == 0
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def one_worker(logs, tmp_path_factory):
    return run(logs, tmp_path_factory.mktemp("one"), "--workers", "1")


def test_the_replay_matches_the_closed_form(one_worker):
    # one environment per region, every session misses once: hit ratio = 1 - sessions/requests
    assert one_worker["per_region"][US]["hit_ratio"] == pytest.approx(1 - 5 / 40, abs=1e-4)
    assert one_worker["per_region"][EU]["hit_ratio"] == pytest.approx(1 - 10 / 30, abs=1e-4)
    assert one_worker["hit_ratio"] == pytest.approx(1 - 15 / 70, abs=1e-4)
    assert one_worker["requests"] == 70 and one_worker["sessions_seen"] == 15


def test_cache_hits_are_not_replayed_and_every_line_is_accounted_for(one_worker):
    assert one_worker["source"] == "access-logs" and one_worker["lines_read"] == 78
    assert one_worker["lines_skipped"] == {"cache_hit": 7, "no_session_key": 1}
    assert one_worker["requests"] + sum(one_worker["lines_skipped"].values()) == 78


def test_two_workers_give_the_same_answer_to_the_last_digit(logs, tmp_path, one_worker):
    assert run(logs, tmp_path, "--workers", "2") == one_worker


def test_a_sweep_over_the_same_logs(logs, tmp_path):
    swept = run(logs, tmp_path, "--workers", "1", "--sweep", "ttl=0.5,3600")
    short, long_ = swept["results"]
    assert short["hit_ratio"] == 0.0 and long_["hit_ratio"] > 0.7  # entries expire between requests
    assert swept["lines_read"] == 78


def test_cookies_not_logged_is_one_line_and_exit_2(tmp_path, capsys):
    write(tmp_path / "nocookies.log", [record(START, "IAD89-C1")] * 3)
    assert forecast.main(["--from-access-logs", str(tmp_path / "nocookies.log"),
                          "--workers", "1"]) == 2
    assert "IncludeCookies" in capsys.readouterr().err
