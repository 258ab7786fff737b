"""The `edge_emulator` pytest fixture: your CDK app's CloudFront distributions, served by the
emulator for the whole test session and reset before every test.

Installing edge-persist[emulator] registers it (the `pytest11` entry point); no conftest is
needed:

    def test_the_edge_adds_its_header(edge_emulator):
        answer = edge_emulator.get("/", region="eu-west-3")
        assert answer.status_code == 200
        assert "x-my-header" in answer.headers

Which app it serves: `--edge-app "CMD"` (or the ini key `edge_app`) synthesizes with that
command first; `--edge-cdk-out DIR` (`edge_cdk_out`) serves a synthesized app as it is;
with neither, the app of the cdk.json in pytest's rootdir is synthesized, else its cdk.out
is served.

The emulator runs in a process of its own (`edge-persist emulate`), one per test session;
the fixture drives it through its control API (docs/control-api.md), so that before each
test the caches are emptied, execution environments recycled, function logs cleared and key
value stores back to their data (S3 content stays). When a test that uses the fixture fails,
its report carries the functions' log lines.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

START_TIMEOUT_S = 600.0   # a synth of a CDK app, then the emulator's start
STOP_TIMEOUT_S = 15.0
API_TIMEOUT_S = 60.0
REGION_HEADER = "x-emulator-region"
COUNTRY_HEADER = "x-emulator-viewer-country"


def pytest_addoption(parser):
    group = parser.getgroup("edge-persist", "the edge_emulator fixture (edge-persist)")
    group.addoption("--edge-cdk-out", metavar="DIR",
                    help="the synthesized CDK app the edge_emulator fixture serves")
    group.addoption("--edge-app", metavar="CMD",
                    help="synthesize the app with this command first (as cdk.json's app)")
    parser.addini("edge_cdk_out", "the synthesized CDK app the edge_emulator fixture serves")
    parser.addini("edge_app", "the command that synthesizes the app the edge_emulator "
                              "fixture serves")


class EdgeEmulator:
    """The emulator serving the app: its URLs, and what a test asks of it."""

    def __init__(self, outputs, process):
        self.outputs, self.process = outputs, process
        block = outputs["Emulator"]
        self.urls = dict(block["Distributions"])        # distribution logical id -> URL
        self.url = next(iter(self.urls.values()))       # the first distribution's
        self.api_url = block["ApiEndpoint"]
        self.certificate = block["Certificate"]
        self.session = requests.Session()
        self.session.verify = self.certificate          # the emulator's HTTPS

    # --- requests to the distributions ---------------------------------------------------

    def request(self, method, path, region=None, country=None, headers=None,
                distribution=None, **kwargs):
        """A request to a distribution (the first, or the one `distribution` names by its
        logical id), from a viewer in `region`'s edge and `country`; a requests.Response."""
        base = self.urls[distribution] if distribution else self.url
        headers = dict(headers or {})
        if region:
            headers[REGION_HEADER] = region
        if country:
            headers[COUNTRY_HEADER] = country
        kwargs.setdefault("timeout", API_TIMEOUT_S)
        return self.session.request(method, base + path, headers=headers, **kwargs)

    def get(self, path, region=None, country=None, headers=None, **kwargs):
        return self.request("GET", path, region, country, headers, **kwargs)

    # --- the control API -----------------------------------------------------------------

    def _api(self, method, route, **kwargs):
        answer = requests.request(method, f"{self.api_url}/emulator/{route}",
                                  timeout=API_TIMEOUT_S, **kwargs)
        document = answer.json()
        if answer.status_code != 200:
            raise ValueError(document.get("error", answer.text))
        return document

    def logs(self, function, region=None):
        """The log lines `function` (its name, logical id, CDK path or construct id) wrote
        since the test began, oldest first, in every region or in `region`."""
        params = {"function": function, **({"region": region} if region else {})}
        return [line["message"] for line in self._api("GET", "logs", params=params)["lines"]]

    def invalidate(self, *paths, distribution=None):
        """Drop the cached objects under `paths` ("/*" for all); how many were dropped."""
        body = {"paths": list(paths), **({"distribution": distribution} if distribution
                                          else {})}
        return self._api("POST", "invalidate", json=body)["dropped"]

    def recycle(self, function=None, region=None):
        """Retire the execution environments of a function, a region, or all: the next
        request starts a cold one. How many were live."""
        return self._api("POST", "recycle", json={"function": function, "region": region})[
            "recycled"]

    def environments(self):
        """The live execution environments: function, region, id, invocations, age, busy."""
        return self._api("GET", "environments")

    def functions(self):
        return self._api("GET", "functions")

    def distributions(self):
        return self._api("GET", "distributions")

    def reset(self):
        """Empty the caches, recycle the environments, clear the logs, reset the stores."""
        self._api("POST", "reset")


def _option(config, flag, ini):
    return config.getoption(flag) or config.getini(ini) or None


def _what_to_serve(config):
    """The emulator's flags for the app this session serves."""
    app, cdk_out = _option(config, "--edge-app", "edge_app"), \
        _option(config, "--edge-cdk-out", "edge_cdk_out")
    root = Path(config.rootpath)
    if app:
        return ["--app", app]
    if cdk_out:
        return ["--cdk-out", str((root / cdk_out) if not Path(cdk_out).is_absolute()
                                 else cdk_out)]
    if (root / "cdk.json").is_file():
        return ["--app"]  # cdk.json's app, synthesized fresh
    if (root / "cdk.out" / "manifest.json").is_file():
        return ["--cdk-out", str(root / "cdk.out")]
    raise pytest.UsageError("edge_emulator: no app to serve: pass --edge-app \"CMD\" or "
                            "--edge-cdk-out DIR (or run pytest where cdk.json is)")


def _start(config, folder):
    outputs = folder / "cdk-outputs.json"
    log = open(folder / "emulator.log", "wb")
    process = subprocess.Popen(
        # Every regional edge cache, for region=...; a request without one is served in
        # us-east-1, the first.
        [sys.executable, "-m", "edge_persist.emulator", *_what_to_serve(config),
         "--regions", "all", "--routing", "first", "--outputs-file", str(outputs), "--logs"],
        cwd=config.rootpath,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not outputs.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            text = (folder / "emulator.log").read_text(errors="replace").strip().splitlines()
            raise pytest.UsageError("edge_emulator: the emulator did not start: "
                                    + (text[-1] if text else f"exit {process.returncode}"))
        time.sleep(0.1)
    return EdgeEmulator(json.loads(outputs.read_text()), process)


def _stop(process):
    """SIGTERM to the emulator's process group (it ships its last logs), then SIGKILL to
    whatever of it is left."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def edge_emulator_session(pytestconfig):
    """The emulator of the whole session (edge_emulator resets it before each test)."""
    with tempfile.TemporaryDirectory(prefix="edge-emulator-") as folder:
        emulator = _start(pytestconfig, Path(folder))
        try:
            yield emulator
        finally:
            _stop(emulator.process)


@pytest.fixture
def edge_emulator(edge_emulator_session, request):
    """The emulator, reset: no cache, environment or log line of an earlier test."""
    edge_emulator_session.reset()
    request.node.edge_emulator = edge_emulator_session
    return edge_emulator_session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    emulator = getattr(item, "edge_emulator", None)
    if emulator is None or report.when != "call" or not report.failed:
        return
    sections = []
    try:
        for function in emulator.functions():
            lines = emulator.logs(function["name"])
            if lines:
                sections.append(f"--- {function['name']}\n" + "\n".join(lines))
    except (requests.RequestException, ValueError) as err:
        sections.append(f"(the function logs could not be read: {err})")
    if sections:
        report.sections.append(("edge-persist function logs", "\n".join(sections)))
