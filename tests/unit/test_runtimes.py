"""Runtime verdicts come from cfn-lint's lifecycle data (runtimes.py): every runtime it lists
is judged by its own dates, every runtime it does not list by its version, and the linter
cannot disagree with cfn-lint's own runtime rules."""
import json
import os
import re
import subprocess
from datetime import date, timedelta

import pytest
from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource

from edge_persist import preflight, runtimes
from tests.unit.test_lint_rules import CFN_LINT, fn, rules, run, template

DATA = load_resource(AdditionalSpecs, runtimes.LIFECYCLE_FILE)
EDGE_RUNTIMES = sorted(r for r in DATA if runtimes.runs_at_edge(r))


def expected_level(dates, day):
    """What the data says of a new function on `day`, stated from the data alone."""
    blocked, deprecated = dates["create-block"], dates["deprecated"]
    if blocked and day >= date.fromisoformat(blocked):
        return "error"
    if deprecated and (date.fromisoformat(deprecated) - day).days <= runtimes.WARN_BEFORE_DAYS:
        return "warning"
    return "ok"


def test_the_data_is_cfn_lints_own_file_not_a_copy():
    assert {r: (v.deprecated, v.create_blocked, v.update_blocked)
            for r, v in runtimes.lifecycle().items()} == {
        r: tuple(date.fromisoformat(d[k]) if d[k] else None
                 for k in ("deprecated", "create-block", "update-block")) for r, d in DATA.items()}
    source = open(runtimes.__file__, encoding="utf-8").read()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", source)  # not one date kept by hand


@pytest.mark.parametrize("runtime", EDGE_RUNTIMES)
def test_every_listed_edge_runtime_on_both_sides_of_each_of_its_dates(runtime):
    dates = DATA[runtime]
    days = {date.fromisoformat(d) + timedelta(days=shift)
            for d in (dates["deprecated"], dates["create-block"], dates["update-block"]) if d
            for shift in (-91, -90, -1, 0, 1)}
    for day in sorted(days):
        verdict = runtimes.judge(runtime, day)
        assert verdict.level == expected_level(dates, day), (runtime, day, verdict)
        if verdict.level == "error":
            assert dates["create-block"] in verdict.message


@pytest.mark.parametrize("runtime, level, words", [
    ("nodejs0.10", "error", "older than nodejs"),       # older than anything listed
    ("python2.6", "error", "older than python2.7"),
    ("nodejs26.x", "warning", "newer than nodejs24.x"),  # newer: unknown, never silence
    ("python3.15", "warning", "newer than python3.14"),
    ("nodejs15.x", "error", "Lambda has no runtime"),   # a version Lambda never had
    ("nodejs5.1-edge", "error", "Lambda has no runtime"),
    ("nodejs3.2-edge", "error", "older than"),          # -edge read as its version
    ("python3", "error", "Lambda has no runtime"),
    ("nodejs-latest", "error", "not a Lambda runtime identifier"),
])
def test_a_runtime_the_data_does_not_list_is_judged_by_its_version(runtime, level, words):
    assert runtime not in DATA
    verdict = runtimes.judge(runtime, date(2026, 12, 7))
    assert verdict.level == level and words in verdict.message, verdict


def test_versions_compare_as_numbers():
    assert runtimes.version_of("nodejs6.10") > runtimes.version_of("nodejs4.3-edge")
    assert runtimes.version_of("python3.10") > runtimes.version_of("python3.9")
    assert runtimes.version_of("nodejs24.x") == (24,) and runtimes.version_of("nodejs") == ()
    assert runtimes.newest("nodejs") == max(
        (r for r in DATA if r.startswith("nodejs")), key=runtimes.version_of)


@pytest.mark.parametrize("runtime", ["nodejs6.10", "nodejs8.10", "nodejs4.3-edge", "python3.6",
                                     "nodejs", "nodejs10.x", "python2.7"])
def test_the_oldest_runtimes_are_errors_again(runtime):
    assert runtimes.judge(runtime, date(2026, 12, 7)).level == "error"


def lint(runtime, day):
    """The rule ids cfn-lint (its own rules and this pack) gives an edge function of
    `runtime`, judged on `day` by this pack."""
    data = template(lambda r: fn(r).update(Runtime=runtime))
    result = subprocess.run(
        [CFN_LINT, "--append-rules", str(preflight.RULES_DIR), "--format", "json",
         "--regions", "us-east-1", "--", "-"], input=json.dumps(data), capture_output=True,
        text=True, timeout=120, env={**os.environ, preflight.AS_OF_ENV: day.isoformat()})
    return {m["Rule"]["Id"] for m in json.loads(result.stdout or "[]")}


def test_the_pack_and_cfn_lints_own_rules_cannot_disagree_on_a_blocked_runtime():
    """cfn-lint's E2531 (create blocked, update not yet) and E2533 (update blocked too) read
    the same file as E9105: on today's date, which cfn-lint's own rules use, one fires
    exactly when the other does."""
    today = date.today()
    for runtime in EDGE_RUNTIMES:
        found = lint(runtime, today)
        theirs = bool(found & {"E2531", "E2533"})
        assert theirs == ("E9105" in found), (runtime, found)


@pytest.mark.parametrize("runtime, errors, warnings", [
    ("nodejs24.x", 0, 0), ("nodejs20.x", 0, 1), ("python3.9", 0, 1), ("ruby3.3", 1, 0),
    ("nodejs8.10", 1, 0), ("nodejs26.x", 0, 1),
])
def test_e9105_on_a_pinned_day(monkeypatch, runtime, errors, warnings):
    monkeypatch.setenv(preflight.AS_OF_ENV, "2026-12-07")
    from cfnlint.template import Template
    matches = rules.EdgeRuntime().match(Template(None, template(
        lambda r: fn(r).update(Runtime=runtime)), ["us-east-1"]))
    assert sum(1 for m in matches if getattr(m, "rule", None) is None) == errors
    assert sum(1 for m in matches if getattr(getattr(m, "rule", None), "id", "") == "W9105") \
        == warnings


def test_e9105_judges_by_the_as_of_day(monkeypatch):
    data = template(lambda r: fn(r).update(Runtime="nodejs20.x"))
    dates = DATA["nodejs20.x"]
    monkeypatch.setenv(preflight.AS_OF_ENV, "2025-01-01")
    assert run(rules.EdgeRuntime, data) == []  # long before its deprecation
    deprecated = date.fromisoformat(dates["deprecated"])
    monkeypatch.setenv(preflight.AS_OF_ENV, (deprecated - timedelta(days=60)).isoformat())
    assert f"is deprecated on {deprecated}, in 60 days" in run(rules.EdgeRuntime, data)[0]
    monkeypatch.setenv(preflight.AS_OF_ENV, dates["create-block"])
    assert "no longer creates" in run(rules.EdgeRuntime, data)[0]
