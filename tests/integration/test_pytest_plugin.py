"""The edge_emulator pytest fixture, as a user's own test session sees it (pytester runs one in
a process of its own): the app served once, reset before each test, function logs in the
report of a failed test."""
import subprocess
import sys

import pytest

USER_TESTS = '''
def test_first(edge_emulator):
    answer = edge_emulator.get("/plugin?v=1", region="eu-west-3", country="FR")
    assert answer.status_code == 200
    assert answer.headers["x-count-viewer-request"] == "1"
    assert any(line.startswith("START") for line in edge_emulator.logs("Edge"))
    assert {e["region"] for e in edge_emulator.environments()
            if e["function"].startswith("Edge")} == {"eu-west-3"}


def test_second_starts_clean(edge_emulator):
    assert edge_emulator.logs("Edge") == []
    assert edge_emulator.environments() == []
    answer = edge_emulator.get("/plugin?v=1", region="eu-west-3")
    assert answer.headers["x-count-viewer-request"] == "1"  # a fresh environment
    assert answer.headers["X-Cache"].startswith("Miss")      # an empty cache
    assert edge_emulator.recycle("Edge") == 1
    assert edge_emulator.invalidate("/*") == 0


def test_that_fails(edge_emulator):
    edge_emulator.get("/plugin-fails")
    assert False, "on purpose"
'''


@pytest.fixture(scope="module")
def outcome(feature_assembly, tmp_path_factory):
    folder = tmp_path_factory.mktemp("user-project")
    (folder / "test_user.py").write_text(USER_TESTS)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--edge-cdk-out", str(feature_assembly), "test_user.py"],
                            cwd=folder, capture_output=True, text=True, timeout=600)
    return result


def test_the_fixture_serves_the_app_and_resets_it_before_each_test(outcome):
    assert "2 passed" in outcome.stdout and "1 failed" in outcome.stdout, outcome.stdout


def test_a_failed_test_reports_the_function_logs(outcome):
    report = outcome.stdout[outcome.stdout.index("_ test_that_fails _"):]
    assert "edge-persist function logs" in report and "START RequestId" in report


def test_a_session_with_no_app_to_serve_says_so(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x(edge_emulator):\n    pass\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "test_x.py"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "no app to serve" in result.stdout + result.stderr
