"""docs/conformance.md, written from the conformance suite itself, so that it cannot drift:

    .venv/bin/python -m tests.conformance.report > docs/conformance.md

Every test of tests/conformance/ names its guide page (`Page:`) and the rule it checks
(`Rule:`) in its docstring; each is a rule the emulator keeps (the suite runs in `make test`).
The rules it does not emulate are the start-up warnings of emulator/cloudfront/unsupported.py.
"""
import ast
from pathlib import Path

from edge_persist.emulator.cloudfront import unsupported

HERE = Path(__file__).resolve().parent


def rules():
    """(page, rule, test file, test name) of every rule test in the suite, in file order."""
    return [found for found in tests() if found[0] and found[1]]


def tests():
    """(page, rule, test file, test name) of every test but this page's own checks."""
    found = []
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == "test_report.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = ast.get_docstring(node) or ""
                page = _field(doc, "Page:")
                rule = _field(doc, "Rule:")
                found.append((page, rule, path.name, node.name))
    return found


def _field(doc, label):
    """The text after `label` up to the next label or the end, on one line."""
    if label not in doc:
        return ""
    rest = doc.split(label, 1)[1]
    for other in ("Page:", "Rule:"):
        rest = rest.split(other, 1)[0]
    return " ".join(rest.split())


def markdown():
    lines = ["# Conformance", "",
             "What the local emulator does as CloudFront does, rule by rule, with the CloudFront "
             "Developer Guide page each rule is on. This page is written from the conformance "
             "suite (`tests/conformance/`, run by `make test`): every rule below is a test that "
             "passes. Regenerate it with `.venv/bin/python -m tests.conformance.report > "
             "docs/conformance.md`; a test fails when it is out of date.", ""]
    by_page = {}
    for page, rule, path, name in rules():
        by_page.setdefault(page, []).append((rule, path, name))
    for page in sorted(by_page):
        lines += [f"## {page}", "", "| rule | status | test |", "|---|---|---|"]
        lines += [f"| {rule} | emulated | `{path}::{name}` |" for rule, path, name in by_page[page]]
        lines.append("")
    lines += ["## Not emulated", "",
              "Read from the template and named in a warning line when the emulator starts:", "",
              "| setting | warning |", "|---|---|"]
    for key, what in {**unsupported.DISTRIBUTION_FEATURES, **unsupported.BEHAVIOR_FEATURES,
                      **unsupported.ORIGIN_FEATURES}.items():
        lines.append(f"| `{key}` | {what} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
