"""docs/conformance.md is the suite's own account of itself, never out of date."""
from tests.conftest import ROOT
from tests.conformance import report


def test_every_conformance_test_names_its_page_and_rule():
    for page, rule, path, name in report.tests():
        assert page and rule, f"{path}::{name} lacks Page: or Rule: in its docstring"


def test_the_page_is_written_from_the_suite():
    assert (ROOT / "docs" / "conformance.md").read_text() == report.markdown(), \
        "regenerate: .venv/bin/python -m tests.conformance.report > docs/conformance.md"
