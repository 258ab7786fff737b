"""The linter on templates shaped like public ones: no false E9102, the real findings found,
no rule crashing (E0002). Sources and licenses: tests/lint_corpus/expected.json and the
header of each template."""
import json
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


@pytest.fixture(scope="module")
def findings():
    """{file name: Counter of rule ids}, from one cfn-lint run over the whole corpus."""
    result = subprocess.run(
        [CFN_LINT, "--append-rules", str(preflight.RULES_DIR), "--regions", "us-east-1",
         "--format", "parseable", "--", *sorted(str(p) for p in CORPUS.glob("*.yaml"))],
        capture_output=True, text=True, timeout=120)
    assert not result.stderr.strip(), result.stderr
    found = {name: Counter() for name in EXPECTED}
    for line in result.stdout.splitlines():
        path, _, _, _, _, rule, _ = line.split(":", 6)
        found[Path(path).name][rule] += 1
    return found


def test_every_corpus_template_is_listed_with_its_expectations():
    assert sorted(p.name for p in CORPUS.glob("*.yaml")) == sorted(EXPECTED)
    assert all(entry["source"] and entry["license"] for entry in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_match_the_corpus(findings, name):
    ours = {rule: n for rule, n in findings[name].items() if OUR_RULE.match(rule)}
    assert ours == EXPECTED[name]["must"]
    assert findings[name]["E0002"] == 0  # a rule crashed
