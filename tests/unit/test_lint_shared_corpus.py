"""The linter on the public templates of ../shared/corpus (read there, never copied in):
lint-realworld2's ground truth (its cases.py, judged on its JUDGED_ON day), and
lint-realworld's: no rule crashes, no false E9102, every runtime Lambda no longer creates is
E9105."""
import importlib.util
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from edge_persist import preflight
from tests.conftest import ROOT
from tests.unit.test_lint_rules import CFN_LINT

SHARED = ROOT.parent / "shared" / "corpus"
REALWORLD = SHARED / "lint-realworld"
REALWORLD2 = SHARED / "lint-realworld2"
CRASHES = ("E0002", "W9100")


def _cases():
    spec = importlib.util.spec_from_file_location("realworld2_cases", REALWORLD2 / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lint(paths, day):
    """{file name: Counter of rule ids} from one cfn-lint run with this pack."""
    result = subprocess.run(
        [CFN_LINT, "--append-rules", str(preflight.RULES_DIR), "--regions", "us-east-1",
         "--format", "parseable", "--", *map(str, paths)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, preflight.AS_OF_ENV: day})
    found = {Path(p).name: Counter() for p in paths}
    for line in result.stdout.splitlines():
        path, _, _, _, _, rule, _ = line.split(":", 6)
        found[Path(path).name][rule] += 1
    return found


@pytest.fixture(scope="module")
def realworld2():
    assert REALWORLD2.is_dir(), f"{REALWORLD2} is missing: ../shared must sit beside the clone"
    cases = _cases()
    return cases, lint([REALWORLD2 / name for name in cases.CASES], cases.JUDGED_ON)


def test_every_realworld2_template_has_its_ground_truth(realworld2):
    cases, _ = realworld2
    templates = {p.name for p in REALWORLD2.iterdir() if p.suffix in (".yaml", ".yml", ".json")}
    assert templates == set(cases.CASES)


@pytest.mark.parametrize("name", sorted(_cases().CASES) if REALWORLD2.is_dir() else ["missing"])
def test_realworld2_verdicts(realworld2, name):
    cases, found = realworld2
    must, must_not = cases.CASES[name]
    fired = found[name]
    assert not [rule for rule in must if not fired[rule]], fired
    assert not [rule for rule in must_not if fired[rule]], fired
    assert not [rule for rule in CRASHES if fired[rule]], fired


# What lint-realworld's README asks, per template: the E9105s of runtimes Lambda no longer
# creates, and the one association that truly names $LATEST.
REALWORLD_MUST = {"cfauth-template-old.yaml": {"E9105"}, "kb-blog.json": {"E9105"},
                  "sam-autopublish.yaml": {"E9105"}, "widdix-if-latest.yaml": {"E9102"}}


def test_realworld_templates():
    assert REALWORLD.is_dir(), f"{REALWORLD} is missing: ../shared must sit beside the clone"
    found = lint(sorted(REALWORLD.iterdir()), "2026-12-07")
    for name, fired in found.items():
        assert not [rule for rule in CRASHES if fired[rule]], (name, fired)
        must = REALWORLD_MUST.get(name, set())
        assert all(fired[rule] for rule in must), (name, fired)
        assert bool(fired["E9102"]) == ("E9102" in must), (name, fired)
