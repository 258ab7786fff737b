"""The dated runtime table (Lambda guide, "Lambda runtimes") and what preflight makes of it."""
from datetime import date, timedelta

import pytest

from edge_persist import runtimes
from tests.unit.test_lint_rules import fn, rules, run, template


def test_the_table_is_less_than_a_year_old():
    """Lambda moves these dates: a table read more than a year ago must be read again from
    runtimes.SOURCE."""
    assert date.today() - runtimes.READ_ON < timedelta(days=365), \
        f"refresh edge_persist/runtimes.py from {runtimes.SOURCE}"


def test_every_runtime_is_blocked_in_order():
    for runtime in runtimes.RUNTIMES.values():
        assert runtime.deprecated <= runtime.create_blocked <= runtime.update_blocked, runtime
        assert runtime.family in runtimes.EDGE_FAMILIES


@pytest.mark.parametrize("identifier, level", [
    ("nodejs24.x", "ok"), ("nodejs22.x", "ok"), ("python3.13", "ok"), ("python3.12", "ok"),
    ("nodejs20.x", "error"), ("nodejs18.x", "error"), ("python3.7", "error"),
    ("python3.9", "warning"),
])
def test_verdicts_on_the_day_the_table_was_read(identifier, level):
    assert runtimes.judge(identifier, runtimes.READ_ON).level == level


def test_a_runtime_warns_within_90_days_of_its_deprecation_and_errs_once_blocked():
    node22 = runtimes.RUNTIMES["nodejs22.x"]
    assert runtimes.judge("nodejs22.x", node22.deprecated - timedelta(days=91)).level == "ok"
    assert runtimes.judge("nodejs22.x", node22.deprecated - timedelta(days=90)).level == "warning"
    assert runtimes.judge("nodejs22.x", node22.deprecated).level == "warning"
    verdict = runtimes.judge("nodejs22.x", node22.create_blocked)
    assert verdict.level == "error"
    assert str(node22.create_blocked) in verdict.message and "nodejs24.x" in verdict.message


def test_a_newer_runtime_than_the_table_knows_is_not_judged():
    assert runtimes.judge("nodejs26.x", runtimes.READ_ON).level == "ok"
    assert runtimes.runs_at_edge("nodejs26.x") and not runtimes.runs_at_edge("java21")


@pytest.mark.parametrize("runtime, errors, warnings", [
    ("nodejs24.x", 0, 0), ("nodejs20.x", 1, 0), ("python3.9", 0, 1), ("ruby3.3", 1, 0),
])
def test_e9105_on_a_pinned_day(monkeypatch, runtime, errors, warnings):
    monkeypatch.setenv("EDGE_PERSIST_AS_OF", runtimes.READ_ON.isoformat())
    from cfnlint.template import Template
    matches = rules.EdgeRuntime().match(Template(None, template(
        lambda r: fn(r).update(Runtime=runtime)), ["us-east-1"]))
    assert sum(1 for m in matches if getattr(m, "rule", None) is None) == errors
    assert sum(1 for m in matches if getattr(getattr(m, "rule", None), "id", "") == "W9105") \
        == warnings


def test_e9105_judges_by_the_as_of_day(monkeypatch):
    data = template(lambda r: fn(r).update(Runtime="nodejs20.x"))
    monkeypatch.setenv("EDGE_PERSIST_AS_OF", "2025-01-01")
    assert run(rules.EdgeRuntime, data) == []  # long before its deprecation
    monkeypatch.setenv("EDGE_PERSIST_AS_OF", "2026-03-01")
    assert "is deprecated on 2026-04-30, in 60 days" in run(rules.EdgeRuntime, data)[0]
    monkeypatch.setenv("EDGE_PERSIST_AS_OF", "2026-12-02")
    assert "no longer creates" in run(rules.EdgeRuntime, data)[0]
