"""The emulator's key value store: what the data plane sees at once and the functions later."""
import time

import pytest

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront_functions.kvs import KeyValueStore, KvsError


def test_a_write_reaches_the_functions_only_after_the_propagation_delay():
    store = KeyValueStore("s", {"k": "old"}, propagation=0.3)
    version, data, meta = store.view()
    assert data == {"k": "old"} and meta["keyCount"] == 1
    store.write(store.etag, puts=[("k", "new"), ("added", "x")])
    assert store.data == {"k": "new", "added": "x"}          # the API: at once
    assert store.view(version) == (version, None, None)       # functions: not yet
    time.sleep(0.35)
    later, data, _ = store.view(version)
    assert later == version + 2 and data == {"k": "new", "added": "x"}
    data["k"] = "changed by a reader"                          # a copy: the store is safe
    assert store.view()[1]["k"] == "new"


def test_a_delete_propagates_too_and_an_unknown_key_is_not_found():
    store = KeyValueStore("s", {"a": "1", "b": "2"}, propagation=0)
    store.write(store.etag, deletes=["a"])
    assert store.view()[1] == {"b": "2"}
    with pytest.raises(KvsError) as caught:
        store.write(store.etag, deletes=["a"])
    assert (caught.value.code, caught.value.status) == ("ResourceNotFoundException", 404)


def test_writes_are_all_or_nothing_and_need_the_current_etag():
    store = KeyValueStore("s", {}, propagation=0)
    stale = store.etag
    store.write(stale, puts=[("a", "1")])
    with pytest.raises(KvsError) as caught:
        store.write(stale, puts=[("b", "2")])
    assert (caught.value.code, caught.value.status) == ("ConflictException", 409)
    with pytest.raises(KvsError) as caught:
        store.write(store.etag, puts=[("c", "3"), ("d", "v" * (edge_rules.KVS_MAX_VALUE_BYTES + 1))])
    assert caught.value.code == "ValidationException" and store.data == {"a": "1"}
