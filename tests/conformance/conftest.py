"""The conformance suite: one test per documented CloudFront rule, its page and sentence in
the docstring (`Page:` and `Rule:` lines, which tests/conformance/report.py turns into
docs/conformance.md). The emulator-level tests share the feature app's emulator."""
import pytest
import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.server import Emulator
from tests.integration.apps import features_app
from tests.integration.fixed_origin import FixedOrigin


@pytest.fixture(scope="module")
def all_viewer_origin():
    """The /allviewer/* behavior's custom origin: records what reaches it."""
    origin = FixedOrigin(200, b"recorded")
    yield origin
    origin.stop()


@pytest.fixture(scope="module")
def emu(feature_assembly, moto_url, all_viewer_origin):
    primary = FixedOrigin(503)
    emulator = Emulator(feature_assembly, moto_url, ["us-east-1"],
                        origins={features_app.PRIMARY_DOMAIN: primary.url,
                                 features_app.ALL_VIEWER_DOMAIN: all_viewer_origin.url}).start()
    yield emulator
    emulator.stop()
    primary.stop()


@pytest.fixture
def get(emu):
    def send(path, method="GET", **kwargs):
        headers = {REGION_HEADER: "us-east-1", **kwargs.pop("headers", {})}
        return requests.request(method, emu.url + path, headers=headers, timeout=30, **kwargs)
    return send
