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


class Running:
    """`edge-persist emulate ARGS` in `cwd`, its stdout and stderr in files."""

    def __init__(self, args, cwd, outputs):
        self.out, self.err = cwd / "stdout.txt", cwd / "stderr.txt"
        self.outputs = outputs
        self.process = subprocess.Popen(
            [COMMAND, "emulate", *args, "--outputs-file", str(outputs)], cwd=cwd,
            stdout=open(self.out, "w"), stderr=open(self.err, "w"), start_new_session=True)

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
        (folder / "code" / "answer.py").write_text("def handler(:\n")  # a broken save
        (folder / "app.py").write_text(APP.replace("app.synth()", "raise SystemExit(3)"))
        deadline = time.monotonic() + 120
        while "still serving the app as it was" not in emulator.err.read_text():
            assert time.monotonic() < deadline, emulator.err.read_text()
            time.sleep(0.2)
        assert requests.get(url, timeout=30).text == "after"  # the previous app serves
    finally:
        emulator.stop()
