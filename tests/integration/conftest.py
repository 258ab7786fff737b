"""Loopback fixtures: one moto server per run, emulators on copies of the synthesized app."""

import boto3
import pytest
import requests

from edge_persist.emulator.server import Emulator
from edge_persist.emulator.template import StackReader
from tests.conftest import edited_copy


@pytest.fixture(scope="session")
def dask_scheduler():
    """One Dask worker for the run's forecasts over logs (their --scheduler), started once."""
    from edge_persist.forecast import replay
    with replay.cluster(workers=1) as client:
        yield client.scheduler.address


@pytest.fixture
def logs_client(moto_url):
    def client(region):
        return boto3.client("logs", region_name=region, endpoint_url=moto_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")
    return client


@pytest.fixture
def cdk_out_copy(cloud_assembly, tmp_path):
    """A private copy of cdk.out, with optional edits to the edge code and the template."""
    def make(edge_code=None, **template_edits):
        target = edited_copy(cloud_assembly, tmp_path / "cdk.out", *template_edits.values())
        if edge_code is not None:
            edge = StackReader(target).read().associations[0].function
            (edge.code_dir / "handler.py").write_text(edge_code)
        return target
    return make


@pytest.fixture
def emulator(moto_url, cloud_assembly):
    requests.post(f"{moto_url}/moto-api/reset", timeout=10)  # each test sees only its own logs
    started = []

    def start(cdk_out=None, **kwargs):
        emu = Emulator(cdk_out or cloud_assembly, moto_url, **kwargs).start()
        started.append(emu)
        return emu
    yield start
    for emu in started:
        emu.stop()
