"""`edge-persist emulate` as a user runs it from a folder of their own: the banner, function
logs on stderr as they happen, one emulator per outputs file, the same certificate at every
start, and --watch reloading the app on a save."""
import hashlib
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

COMMAND = str(Path(sys.executable).with_name("edge-persist"))


STARTED = []  # every Running of the test under way


class Running:
    """`edge-persist emulate ARGS` in `cwd`, its stdout and stderr in files."""

    def __init__(self, args, cwd, outputs):
        self.out, self.err = cwd / "stdout.txt", cwd / "stderr.txt"
        self.outputs = outputs
        self.process = subprocess.Popen(
            [COMMAND, "emulate", *args, "--outputs-file", str(outputs)], cwd=cwd,
            stdout=open(self.out, "w"), stderr=open(self.err, "w"), start_new_session=True)
        STARTED.append(self)

    def ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while not self.outputs.exists():
            assert self.process.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.1)
        while "try:" not in self.out.read_text():  # the banner is printed just after
            time.sleep(0.05)
        return json.loads(self.outputs.read_text())["Emulator"]

    def stop(self):
        """SIGTERM, as a user's Ctrl-C or a process manager ends it; its exit code."""
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=30)


@pytest.fixture(autouse=True)
def _no_emulator_outlives_its_test():
    """A test that fails midway still leaves no emulator (nor its session) running."""
    yield
    while STARTED:
        running = STARTED.pop()
        if running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()


@pytest.fixture
def folder(tmp_path):
    """A user's own folder, outside this repository."""
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_from_any_folder_with_the_banner_logs_and_a_clean_stop(cdk_out_copy, folder):
    out = cdk_out_copy(edge_code="def handler(event, context):\n"
                                 "    print('about to fail')\n"
                                 "    raise ValueError('kaboom-in-edge')\n")
    emulator = Running(["--cdk-out", str(out), "--logs", "--regions", "eu-west-3"], folder,
                       folder / "outputs.json")
    block = emulator.ready()
    banner = emulator.out.read_text()
    assert re.search(r"^CloudFront  https://127\.0\.0\.1:\d+  \(\w+: E\w+; regions: eu-west-3\)",
                     banner, re.M)
    assert "ALB " in banner and "KVS " in banner  # this app has both
    assert f"try:        edge-persist verify --outputs-file {folder / 'outputs.json'}" in banner
    url = next(iter(block["Distributions"].values()))
    sent = time.monotonic()
    answer = requests.get(url, verify=block["Certificate"], timeout=30)
    assert answer.status_code == 503
    shown = None
    while time.monotonic() - sent < 5 and shown is None:
        shown = next((line for line in emulator.err.read_text().splitlines()
                      if "kaboom-in-edge" in line), None)
        time.sleep(0.02)
    assert time.monotonic() - sent < 1.5, "the error took over a second to show"
    assert shown.startswith("[EdgePersistStack-edge eu-west-3] ")
    assert "[EdgePersistStack-edge eu-west-3] about to fail" in emulator.err.read_text()
    assert "START RequestId" not in emulator.err.read_text()  # -v shows those
    assert emulator.stop() == 0
    assert "served: " in emulator.out.read_text()
    own = [line for line in emulator.err.read_text().splitlines() if not line.startswith("[")]
    assert not [line for line in own if "Traceback" in line], own  # the function's are shown
    assert not list(folder.glob("out")) and not (folder / "outputs.json.lock").exists()


def test_a_second_emulator_does_not_take_the_first_ones_outputs_file(cloud_assembly, folder):
    outputs = folder / "outputs.json"
    first = Running(["--cdk-out", str(cloud_assembly), "--no-logs"], folder, outputs)
    written = first.ready()
    try:
        second = subprocess.run([COMMAND, "emulate", "--cdk-out", str(cloud_assembly),
                                 "--outputs-file", str(outputs)], cwd=folder,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert f"another emulator (pid {first.process.pid}) writes {outputs}" in second.stderr
        assert json.loads(outputs.read_text())["Emulator"] == written  # untouched
    finally:
        first.stop()


def _fingerprint(url):
    host, port = url.split("//")[1].split(":")
    pem = ssl.get_server_certificate((host, int(port)))
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def test_two_starts_present_the_same_certificate(cloud_assembly, folder):
    prints = []
    for run in range(2):
        emulator = Running(["--cdk-out", str(cloud_assembly), "--no-logs", "--cert-dir",
                            str(folder / "certs")], folder, folder / f"o{run}.json")
        block = emulator.ready()
        prints.append(_fingerprint(next(iter(block["Distributions"].values()))))
        assert block["Certificate"] == str(folder / "certs" / "emulator-cert.pem")
        emulator.stop()
    assert prints[0] == prints[1]


APP = '''
import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront, aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_

app = cdk.App()
stack = cdk.Stack(app, "WatchStack", env=cdk.Environment(region="us-east-1"))
edge = lambda_.Function(stack, "Answer", runtime=lambda_.Runtime.PYTHON_3_13,
                        handler="answer.handler", code=lambda_.Code.from_asset("code"))
cloudfront.Distribution(stack, "Dist", default_behavior=cloudfront.BehaviorOptions(
    origin=origins.HttpOrigin("example.com"),
    edge_lambdas=[cloudfront.EdgeLambda(function_version=edge.current_version,
                  event_type=cloudfront.LambdaEdgeEventType.VIEWER_REQUEST)]))
app.synth()
'''
ANSWER = '''
def handler(event, context):
    return {{"status": "200", "body": "{word}",
            "headers": {{"x-word": [{{"key": "X-Word", "value": "{word}"}}]}}}}
'''


def test_watch_reloads_an_edited_function_on_the_same_port(folder):
    (folder / "app.py").write_text(APP)
    (folder / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} app.py"}))
    (folder / "code").mkdir()
    (folder / "code" / "answer.py").write_text(ANSWER.format(word="before"))
    emulator = Running(["--watch", "--no-logs"], folder, folder / "outputs.json")
    try:
        url = next(iter(emulator.ready(timeout=300)["Distributions"].values()))
        assert requests.get(url, timeout=30).text == "before"
        (folder / "code" / "answer.py").write_text(ANSWER.format(word="after"))
        saved = time.monotonic()
        while requests.get(url, timeout=30).text != "after":
            assert time.monotonic() - saved < 120, emulator.err.read_text()
            time.sleep(0.1)
        took = time.monotonic() - saved
        synth = float(re.search(r"synthesized and reloaded in ([\d.]+) s",
                                emulator.err.read_text()).group(1))
        assert took < synth + 2, (took, synth)
        # A save that breaks the app: its synth fails, and the app as it was serves on.
        (folder / "app.py").write_text(APP.replace("app.synth()", "raise SystemExit(3)"))
        deadline = time.monotonic() + 120
        while "still serving the app as it was" not in emulator.err.read_text():
            assert time.monotonic() < deadline, emulator.err.read_text()
            time.sleep(0.2)
        assert requests.get(url, timeout=30).text == "after"  # the previous app serves
    finally:
        emulator.stop()


def _group(pid):
    """The live processes of the emulator's session (it was started in a new one)."""
    import psutil
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getsid(process.pid) == pid and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def test_when_the_local_aws_dies_no_log_is_lost_and_the_stop_is_clean(cloud_assembly_with_logs,
                                                                     folder):
    """The moto server killed under a running emulator: viewers still get CloudFront's
    answers, function logs and standard logs go to files it names in one line, and SIGTERM
    ends it with exit 0 and no traceback."""
    import psutil
    emulator = Running(["--cdk-out", str(cloud_assembly_with_logs), "--no-logs"], folder,
                       folder / "outputs.json")
    try:
        block = emulator.ready()
        url = next(iter(block["Distributions"].values()))
        assert requests.get(url, verify=block["Certificate"], timeout=30).status_code == 200
        (moto,) = [p for p in psutil.Process(emulator.process.pid).children(recursive=True)
                   if "moto" in " ".join(p.cmdline())]
        moto.kill()
        deadline = time.monotonic() + 10  # until gone, or a zombie its parent has to reap
        while moto.is_running() and moto.status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        answers = [requests.get(url, verify=block["Certificate"], timeout=30)
                   for _ in range(3)]
        assert all(a.status_code == 200 and a.headers["X-Cache"] == "Miss from cloudfront"
                   for a in answers)
        probe = answers[-1].headers["x-custom-header-seen"]
    finally:
        stopped = emulator.stop()
    assert stopped == 0
    err = emulator.err.read_text()
    assert "Traceback" not in err and "Traceback" not in emulator.out.read_text()
    (kept,) = re.findall(r"kept (\S+): it holds logs the moto server did not take", err)
    spilled = (Path(kept) / "undelivered-logs.jsonl").read_text()
    assert probe in spilled  # the origin's log line of the last request
    assert list((Path(kept) / "undelivered-standard-logs").rglob("*.gz"))
    assert not _group(emulator.process.pid)


@pytest.mark.parametrize("command", [[COMMAND, "emulate"],
                                     [sys.executable, "-m", "edge_persist.emulator"]])
@pytest.mark.parametrize("delay_s", [0.15, 0.4, 1.5])
def test_a_signal_during_start_leaves_nothing_behind(cloud_assembly, folder, command, delay_s):
    """SIGTERM to the command at any moment of its start, its imports included: exit 0, no
    traceback, no process of its session left, nothing left in its temporary folder. (Only
    the interpreter's own start, some 50 ms, comes before any handler can be.)"""
    tmp = folder / "tmp"
    tmp.mkdir()
    process = subprocess.Popen(
        [*command, "--cdk-out", str(cloud_assembly), "--cert-dir", str(folder / "tls")],
        cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp)})
    time.sleep(delay_s)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert b"Traceback" not in out + err
    deadline = time.monotonic() + 10
    while _group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group(process.pid)
    assert not list(tmp.iterdir())
