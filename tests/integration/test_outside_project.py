"""edge-persist as a user installs it: the wheel built from this tree, in a fresh virtualenv
beside a CDK project of the user's own (tests/outside_project, copied out of the
repository), running the test of docs/testing.md with the fixture alone, no conftest."""
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROJECT = ROOT / "tests" / "outside_project"
FENCE = re.compile(r"```python\n(.*?)\n```", re.S)


def _pin(name):
    """The version requirements.txt pins `name` at: the same wheel pip has cached."""
    line = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                if line.startswith(f"{name}=="))
    return line.strip()


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the project folder, its virtualenv's bin folder), with edge-persist[emulator]
    installed from the wheel, pytest, and the CDK library the app needs."""
    outside = tmp_path_factory.mktemp("outside")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
         str(outside / "dist"), str(ROOT)])
    (wheel,) = (outside / "dist").glob("edge_persist-*.whl")
    project = shutil.copytree(PROJECT, outside / "project")
    run([sys.executable, "-m", "venv", str(outside / "venv")])
    bin_dir = outside / "venv" / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[emulator]",
         "pytest", _pin("aws-cdk-lib"), _pin("constructs")])
    return project, bin_dir


def test_pip_check_is_clean(installed):
    _, bin_dir = installed
    assert "No broken requirements" in run([str(bin_dir / "python"), "-m", "pip",
                                            "check"]).stdout


def test_the_docs_pages_test_passes_in_the_users_project(installed):
    project, bin_dir = installed
    (code,) = FENCE.findall((ROOT / "docs" / "testing.md").read_text())
    (project / "test_site.py").write_text(code + "\n")
    assert not (project / "conftest.py").exists()
    result = run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                 cwd=project)
    assert "2 passed" in result.stdout


def test_the_command_runs_from_the_users_folder_and_names_a_missing_extra(installed):
    project, bin_dir = installed
    usage = run([str(bin_dir / "edge-persist"), "--help"], cwd=project).stdout
    assert all(name in usage for name in ("emulate", "preflight", "verify", "forecast",
                                          "cleanup"))
    missing = subprocess.run([str(bin_dir / "edge-persist"), "preflight", "cdk.out"],
                             cwd=project, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "run `cdk synth` first" in missing.stderr
    # The forecast's replay needs Dask, which [emulator] does not bring: one line says so.
    (project / "access.log").write_text("#Version: 1.0\n")
    replay = subprocess.run([str(bin_dir / "edge-persist"), "forecast", "--from-access-logs",
                             "access.log"], cwd=project, capture_output=True, text=True,
                            timeout=60)
    assert replay.returncode == 2 and "Traceback" not in replay.stderr
    assert "pip install 'edge-persist[forecast]'" in replay.stderr
