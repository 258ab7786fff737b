"""The docs site's front page is the README, its links made relative to docs/: one text, two
places, never apart. Regenerate it with `.venv/bin/python -m tests.unit.test_docs_site`."""
import re

from tests.conftest import ROOT


def front_page():
    """README.md as docs/index.md: links into docs/ made relative, and no contents list (the
    site's navigation is one)."""
    text = (ROOT / "README.md").read_text().replace("](docs/", "](")
    return re.sub(r"## Contents\n\n(- \[.*\n)+\n", "", text)


def test_the_front_page_is_the_readme():
    assert (ROOT / "docs" / "index.md").read_text() == front_page(), \
        "regenerate: .venv/bin/python -m tests.unit.test_docs_site"


if __name__ == "__main__":
    (ROOT / "docs" / "index.md").write_text(front_page())
