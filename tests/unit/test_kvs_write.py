"""verify's KeyValueStore write against the emulator's data plane (no AWS): the conflict
retry, a store that keeps changing, a missing store; each failure one line and its exit code."""
import json

import pytest

from edge_persist import contract
from edge_persist.verify import kvs_write
from edge_persist.aws import Aws
from edge_persist.emulator.frontend.loop import served
from edge_persist.emulator.cloudfront_functions.kvs import KeyValueStore, KvsApi, Stores
from edge_persist.errors import EvidenceError, UsageError
from edge_persist.verify.cli import main as verify
from tests.fake_distribution import FakeDistribution


class RacedStore(KeyValueStore):
    """Another writer gets in between DescribeKeyValueStore and PutKey `races` times."""

    def __init__(self, races):
        super().__init__("raced", {contract.KVS_KEY: "before"}, 0)
        self.races = races

    def write(self, if_match, puts=(), deletes=()):
        if self.races:
            self.races -= 1
            super().write(self.etag, puts=[("other", "writer")])
        return super().write(if_match, puts, deletes)


@pytest.fixture
def data_plane():
    stores = Stores()
    api = KvsApi(stores)
    with served(api) as listener:
        yield stores, f"http://127.0.0.1:{listener.port}"


def add(stores, store):
    stores.by_arn[store.arn] = store
    return store


def test_a_conflict_is_retried_once_with_a_fresh_etag(data_plane):
    stores, url = data_plane
    store = add(stores, RacedStore(races=1))
    written = kvs_write.write(Aws(endpoint_url=url), store.arn, "after")
    assert (written.value_before, written.value_after, written.attempts) == ("before", "after", 2)
    assert store.data[contract.KVS_KEY] == "after"


def test_two_conflicts_in_a_row_are_an_evidence_error(data_plane):
    stores, url = data_plane
    store = add(stores, RacedStore(races=2))
    with pytest.raises(EvidenceError) as caught:
        kvs_write.write(Aws(endpoint_url=url), store.arn, "after")
    assert "ConflictException" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == contract.EXIT_EVIDENCE
    assert store.data[contract.KVS_KEY] == "before"


def test_a_key_not_there_yet_is_written_with_no_value_before(data_plane):
    stores, url = data_plane
    store = add(stores, KeyValueStore("empty", {}, 0))
    written = kvs_write.write(Aws(endpoint_url=url), store.arn, "first")
    assert written.value_before is None and store.data == {contract.KVS_KEY: "first"}


def test_a_missing_store_is_a_usage_error(data_plane):
    _, url = data_plane
    arn = "arn:aws:cloudfront::123456789012:key-value-store/00000000-0000-0000-0000-0000000000"
    with pytest.raises(UsageError) as caught:
        kvs_write.write(Aws(endpoint_url=url), arn, "x")
    assert "does not exist" in str(caught.value) and caught.value.exit_code == contract.EXIT_USAGE


def test_now_is_an_iso_timestamp():
    assert kvs_write.value_for("now").endswith("Z") and kvs_write.value_for("v1") == "v1"


def test_verify_reports_then_exits_2_when_the_store_is_missing(data_plane, tmp_path, capsys):
    _, url = data_plane
    with FakeDistribution(write_logs=False) as fake:
        outputs = fake.outputs()
        stack = next(iter(outputs))
        outputs[stack]["KeyValueStoreArn"] = \
            "arn:aws:cloudfront::123456789012:key-value-store/0000-missing"
        outputs["Emulator"] = {"KvsEndpoint": url}
        path = tmp_path / "cdk-outputs.json"
        path.write_text(json.dumps(outputs))
        code = verify(["--outputs-file", str(path), "--requests", "4", "--interval", "0",
                       "--no-logs", "--no-progress", "--kvs-write", "v2",
                       "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == contract.EXIT_USAGE
    assert len(err) == 1 and "does not exist" in err[0]
    report = json.loads((tmp_path / "r.json").read_text())  # the run is not lost
    assert report["summary"]["requests_ok"] == 4
    assert any("key value store write failed" in e for e in report["errors"])


@pytest.mark.parametrize("flags, words", [
    (["--kvs-write", "v", "--url", "http://127.0.0.1:9"], "KeyValueStoreArn"),
    (["--kvs-write", "v", "--requests", "4", "--kvs-write-at", "4"], "below --requests"),
    (["--kvs-timeout", "-1"], "below 0"),
])
def test_bad_kvs_flags_exit_2_in_one_line(tmp_path, capsys, flags, words):
    with FakeDistribution(write_logs=False) as fake:
        path = tmp_path / "cdk-outputs.json"
        outputs = fake.outputs()
        next(iter(outputs.values()))["KeyValueStoreArn"] = "arn:aws:cloudfront::1:kvs/x"
        path.write_text(json.dumps(outputs))
        code = verify(["--outputs-file", str(path), "--no-progress", *flags])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == contract.EXIT_USAGE and len(err) == 1 and words in err[0]
