"""A local run is local by construction: an emulator's outputs file names every endpoint."""
import json

import pytest

from edge_persist.errors import UsageError
from edge_persist.verify.target import endpoint_for

EMULATED = {"EdgePersistStack": {"DistributionUrl": "http://127.0.0.1:9000"},
            "Emulator": {"LogsEndpoint": "http://127.0.0.1:5000",
                         "KvsEndpoint": "http://127.0.0.1:5001"}}


def _file(tmp_path, outputs):
    path = tmp_path / "cdk-outputs.json"
    path.write_text(json.dumps(outputs))
    return str(path)


def test_the_emulator_block_names_the_endpoint(tmp_path):
    assert endpoint_for(_file(tmp_path, EMULATED)) == "http://127.0.0.1:5000"


def test_an_explicit_endpoint_wins(tmp_path):
    assert endpoint_for(_file(tmp_path, EMULATED), "http://localhost:7/") == "http://localhost:7"


def test_a_deployed_stack_goes_to_aws(tmp_path):
    deployed = {"EdgePersistStack": {"DistributionUrl": "https://d1.cloudfront.net"}}
    assert endpoint_for(_file(tmp_path, deployed)) is None
    assert endpoint_for(str(tmp_path / "missing.json")) is None


@pytest.mark.parametrize("bad", ["ftp://x", "127.0.0.1:5000", "http://"])
def test_an_endpoint_that_is_not_http_is_one_usage_line(tmp_path, bad):
    with pytest.raises(UsageError, match="not an http"):
        endpoint_for(_file(tmp_path, EMULATED), bad)


def test_an_emulator_block_without_logs_endpoint_is_refused(tmp_path):
    with pytest.raises(UsageError, match="LogsEndpoint"):
        endpoint_for(_file(tmp_path, {"Emulator": {"KvsEndpoint": "http://127.0.0.1:1"}}))
