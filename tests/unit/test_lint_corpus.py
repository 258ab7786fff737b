"""The linter on templates shaped like public ones: no false E9102, the real findings found,
no rule crashing (E0002). Sources and licenses: tests/lint_corpus/expected.json and the
header of each template."""
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from edge_persist import preflight
from tests.unit.test_lint_rules import CFN_LINT

CORPUS = Path(__file__).resolve().parents[1] / "lint_corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
OUR_RULE = re.compile(r"^[EW]91\d\d$")


# Runtimes are judged by date: expected.json's verdicts were judged on this day, with the
# runtime lifecycle data of the cfn-lint the repository pins.
AS_OF = "2026-12-07"


def corpus_files():
    """Every template of the corpus: the files, and the stacks of each cloud assembly folder
    (named folder/stack.template.json)."""
    files = [p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".json")
             and p.name != "expected.json"]
    stacks = [p for folder in CORPUS.iterdir() if (folder / "manifest.json").is_file()
              for p in folder.glob("*.template.json")]
    return sorted(files + stacks)


def name_of(path):
    return path.relative_to(CORPUS).as_posix()


@pytest.fixture(scope="module")
def findings():
    """{file name: Counter of rule ids}, from one cfn-lint run per region over the corpus."""
    found = {name: Counter() for name in EXPECTED}
    by_region = {}
    for path in corpus_files():
        by_region.setdefault(EXPECTED[name_of(path)].get("region", "us-east-1"), []).append(path)
    for region, paths in by_region.items():
        result = subprocess.run(
            [CFN_LINT, "--append-rules", str(preflight.RULES_DIR), "--regions", region,
             "--format", "parseable", "--", *map(str, paths)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, preflight.AS_OF_ENV: AS_OF})
        assert not result.stderr.strip(), result.stderr
        for line in result.stdout.splitlines():
            path, _, _, _, _, rule, _ = line.split(":", 6)
            found[name_of(Path(path))][rule] += 1
    return found


def test_every_corpus_template_is_listed_with_its_expectations():
    assert sorted(map(name_of, corpus_files())) == sorted(EXPECTED)
    assert all(entry["source"] and entry["license"] for entry in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_match_the_corpus(findings, name):
    ours = {rule: n for rule, n in findings[name].items() if OUR_RULE.match(rule)}
    assert ours == EXPECTED[name]["must"]
    assert findings[name]["E0002"] == 0  # a rule crashed
    assert findings[name]["W9100"] == 0  # a rule met a shape it did not expect
