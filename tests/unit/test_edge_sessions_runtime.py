"""The edge function's session store, driven with the guide's event shapes."""
import copy
import importlib.util
import json
import shutil
import tracemalloc

import pytest

from edge_persist import contract
from edge_persist.emulator.lambda_edge.validation import validate
from tests.conftest import ROOT, fresh_module, load_event

DATA = json.dumps({"session": "s1", "padding": "x" * 256})


def request_event(uri="/session", cookie="ep_session=s1", **headers):
    event = load_event("origin_request")
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = uri
    if cookie is not None:
        request["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
    for name, value in headers.items():
        request["headers"][name.replace("_", "-")] = [{"key": name, "value": value}]
    return event


def response_event(request_evt, value=DATA, status="200"):
    """origin-response: the origin request, and the origin's answer carrying x-persist-set."""
    cf = copy.deepcopy(request_evt["Records"][0]["cf"])
    cf["config"]["eventType"] = "origin-response"
    headers = {"content-type": [{"key": "Content-Type", "value": "application/json"}]}
    if value is not None:
        headers[contract.HEADER_SESSION_SET] = [{"key": "x-persist-set", "value": value}]
    cf["response"] = {"status": status, "statusDescription": "OK", "headers": headers}
    return {"Records": [{"cf": cf}]}


def miss_then_store(edge, evt, value=DATA):
    forwarded = edge.handler(copy.deepcopy(evt), None)
    answer = edge.handler(response_event(evt, value), None)
    return forwarded, answer


def test_a_miss_goes_to_the_origin_and_origin_response_stores_the_data(edge_module):
    evt = request_event()
    forwarded, answer = miss_then_store(edge_module, evt)
    assert forwarded["headers"][contract.HEADER_SESSION] == [
        {"key": "x-persist-session", "value": "miss"}]
    assert "custom_header" in forwarded["headers"]  # the persistence headers still go along
    assert contract.HEADER_SESSION_SET not in answer["headers"]  # never reaches the viewer
    assert answer["headers"][contract.HEADER_SESSION][0]["value"] == "miss"
    assert validate("origin-response", response_event(evt)["Records"][0]["cf"]["response"],
                    answer) == []


def test_a_hit_is_generated_at_the_edge_with_its_age(edge_module, monkeypatch):
    clock = iter([100.0, 100.0, 102.5, 102.5])
    monkeypatch.setattr(edge_module, "_monotonic", lambda: next(clock))
    evt = request_event()
    miss_then_store(edge_module, evt)
    hit = edge_module.handler(copy.deepcopy(evt), None)
    assert hit["status"] == "200" and hit["body"] == DATA
    headers = {k: v[0]["value"] for k, v in hit["headers"].items()}
    assert headers[contract.HEADER_SESSION] == "hit"
    assert headers[contract.HEADER_SESSION_AGE] == "2.500"
    assert headers[contract.HEADER_ENV] == edge_module.ENV_ID
    assert headers[contract.HEADER_SEEN] == edge_module.dataToPersist
    assert validate("origin-request", evt["Records"][0]["cf"]["request"], hit) == []


def test_an_expired_entry_is_a_miss_and_is_counted(edge_module, monkeypatch):
    now = [0.0]
    monkeypatch.setattr(edge_module, "_monotonic", lambda: now[0])
    evt = request_event()
    miss_then_store(edge_module, evt)
    now[0] = edge_module.TTL_S + 1
    again = edge_module.handler(copy.deepcopy(evt), None)
    assert "status" not in again and edge_module.STORE.expirations == 1


def test_the_session_header_works_when_there_is_no_cookie(edge_module):
    evt = request_event(cookie=None, x_session_id="abc_DEF-9")
    miss_then_store(edge_module, evt)
    assert edge_module.handler(copy.deepcopy(evt), None)["status"] == "200"


@pytest.mark.parametrize("cookie", [
    "ep_session=", "ep_session=../../etc/passwd", "ep_session=" + "a" * 129,
    "ep_session=ok; ep_session=also", "other=1", "ep_session=a b", "ep_session=é",
])
def test_a_hostile_session_id_is_no_session(edge_module, cookie):
    evt = request_event(cookie=cookie)
    forwarded, _ = miss_then_store(edge_module, evt)
    if cookie.startswith("ep_session=ok"):
        return  # the first cookie counts, as browsers send the most specific first
    assert contract.HEADER_SESSION not in forwarded["headers"]
    assert len(edge_module.STORE) == 0


def test_oversize_data_is_not_stored_and_not_shown(edge_module):
    evt = request_event()
    _, answer = miss_then_store(edge_module, evt, value="x" * 30_000)
    assert len(edge_module.STORE) == 0 and contract.HEADER_SESSION_SET not in answer["headers"]


def test_other_paths_are_unchanged(edge_module):
    evt = request_event(uri="/", cookie="ep_session=s1")
    forwarded = edge_module.handler(copy.deepcopy(evt), None)
    assert contract.HEADER_SESSION not in forwarded["headers"]
    assert set(contract.PERSIST_HEADERS) <= set(forwarded["headers"])
    answer = edge_module.handler(response_event(evt), None)
    assert contract.HEADER_SESSION_SET in answer["headers"]  # not a session answer: untouched
    assert len(edge_module.STORE) == 0


def test_least_recently_used_entries_go_first(edge_module):
    store = edge_module.SessionStore(budget_bytes=3 * edge_module.SessionStore.cost("a", DATA),
                                     ttl_s=60)
    for key in "abc":
        store.put(key, DATA, 0)
    store.get("a", 1)          # a is now the most recent
    store.put("d", DATA, 2)    # over budget: b, the least recent, goes
    assert store.get("b", 3) is None and store.get("a", 3) and store.get("c", 3)
    assert store.evictions == 1


def test_the_budget_holds_while_200000_sessions_of_4_kb_pass_through(edge_module):
    store = edge_module.SessionStore(budget_bytes=8 << 20, ttl_s=3600)
    value = "v" * 4096
    highest = 0
    for i in range(200_000):
        store.put(f"session-{i}", value, i)
        highest = max(highest, store.bytes)
    assert highest <= store.budget and store.evictions == 200_000 - len(store)
    assert len(store) == store.budget // store.cost("session-199999", value)
    assert store.get("session-199999", 0) and store.get("session-0", 0) is None


def test_the_accounting_matches_tracemalloc_within_25_percent(edge_module):
    store = edge_module.SessionStore(budget_bytes=1 << 40, ttl_s=3600)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            store.put(f"session-{i:012d}", "x" * 256 + str(i), 1.0)
        traced = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert abs(store.bytes - traced) / traced <= 0.25, (store.bytes, traced)


def test_a_value_bigger_than_the_budget_is_refused(edge_module):
    store = edge_module.SessionStore(budget_bytes=1000, ttl_s=60)
    assert store.put("big", "x" * 2000, 0) is False and len(store) == 0


def test_edge_stats_are_logged_at_most_once_a_minute(edge_module, monkeypatch, capsys):
    now = [0.0]
    monkeypatch.setattr(edge_module, "_monotonic", lambda: now[0])
    evt = request_event()
    for step in (0.0, 10.0, 59.0, 61.0):
        now[0] = step
        edge_module.handler(copy.deepcopy(evt), None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if '"edge_stats"' in line]
    assert len(lines) == 2
    assert set(lines[-1]) >= {"entries", "bytes", "budget", "hits", "misses", "evictions",
                              "expirations"}


def test_settings_come_from_config_json(tmp_path):
    shutil.copy(ROOT / "lambda_edge" / "handler.py", tmp_path / "handler.py")
    (tmp_path / "config.json").write_text(json.dumps({"sessionBudgetMb": 2,
                                                      "sessionTtlSeconds": 9}))
    spec = importlib.util.spec_from_file_location("edge_with_config", tmp_path / "handler.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.BUDGET_BYTES == 2 << 20 and module.TTL_S == 9.0
    assert fresh_module("lambda_edge").BUDGET_BYTES == 64 << 20  # half of 128 MB by default
