"""Fixtures shared by every layer: sample events, fresh handler modules, one synth per run."""
import copy
import importlib.util
import itertools
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"
# jsii needs node 24 from the virtualenv (the machine's node 20 is end-of-life).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# No test may reach the EC2 metadata address, whatever the machine's AWS settings.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_fresh = itertools.count()


def edited_copy(cdk_out, target, *edits):
    """A copy of a cloud assembly at `target`, each edit(template) applied to every stack's
    template in it; returns `target`."""
    shutil.copytree(cdk_out, target)
    if edits:
        for path in Path(target).glob("*.template.json"):
            template = json.loads(path.read_text())
            for edit in edits:
                edit(template)
            path.write_text(json.dumps(template))
    return Path(target)


def load_event(name):
    return json.loads((EVENTS / f"{name}.json").read_text())


def fresh_module(folder):
    """Import folder/handler.py as a brand-new module: what a new execution environment sees."""
    spec = importlib.util.spec_from_file_location(f"{folder}_handler_{next(_fresh)}",
                                                  ROOT / folder / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def origin_request_event():
    return copy.deepcopy(load_event("origin_request"))


@pytest.fixture
def alb_event():
    return copy.deepcopy(load_event("alb_request"))


@pytest.fixture
def edge_module(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    return fresh_module("lambda_edge")


@pytest.fixture
def origin_module():
    return fresh_module("origin_lambda")


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory):
    """Synthesize the app once per test run (cdk-nag runs as part of it)."""
    from app import build_app
    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(outdir=str(outdir)).synth()
    return outdir


def synthesized(tmp_path_factory, name, build):
    """A test CDK app synthesized once into a folder of its own: `build(outdir)` -> App."""
    outdir = tmp_path_factory.mktemp(name)
    build(outdir).synth()
    return outdir


@pytest.fixture(scope="session")
def feature_assembly(tmp_path_factory):
    """tests/integration/apps/features_app.py, synthesized once for the integration and
    conformance tests."""
    from tests.integration.apps import features_app
    return synthesized(tmp_path_factory, "features.out", features_app.build)


@pytest.fixture(scope="session")
def moto_url():
    """One moto server on loopback for the whole run (integration and conformance tests)."""
    from edge_persist.emulator.services.motoserver import MotoServer
    with MotoServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def cloud_assembly_with_logs(tmp_path_factory):
    """The app as `make demo` synthesizes it: standard logs on, legacy and v2 (context
    accessLogs)."""
    from app import build_app
    outdir = tmp_path_factory.mktemp("cdk-logs.out")
    build_app(outdir=str(outdir), context={"accessLogs": "legacy,v2"}).synth()
    return outdir


@pytest.fixture(scope="session")
def template_path(cloud_assembly):
    return cloud_assembly / "EdgePersistStack.template.json"


@pytest.fixture(scope="session")
def template_json(template_path):
    return json.loads(template_path.read_text())


@pytest.fixture
def no_aws_credentials(monkeypatch, tmp_path):
    """A machine with no AWS credentials anywhere: env, files, instance metadata."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
