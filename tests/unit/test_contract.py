"""The runtime folders ship alone, so they hold copies of contract names: pin them here."""
import inspect

from edge_persist import contract
from tests.conftest import fresh_module


def test_edge_handler_uses_contract_header_names():
    source = inspect.getsource(fresh_module("lambda_edge"))
    for name in contract.PERSIST_HEADERS:
        assert f'"{name}"' in source
    assert f'"{contract.EVENT_EDGE_INIT}"' in source


def test_origin_handler_uses_contract_names():
    module = fresh_module("origin_lambda")
    source = inspect.getsource(module)
    for name in contract.PERSIST_HEADERS + (contract.HEADER_SEEN, contract.HEADER_PROBE,
                                            contract.HEADER_KVS_VALUE, contract.HEADER_KVS_REGION,
                                            contract.HEADER_KVS_SEEN,
                                            contract.HEADER_KVS_REGION_SEEN):
        assert f'"{name}"' in source
    assert module.REDACTED_HEADERS == contract.REDACTED_HEADERS


def test_both_handlers_read_the_session_as_the_contract_says():
    edge, origin = fresh_module("lambda_edge"), fresh_module("origin_lambda")
    assert edge.SESSION_ID.pattern == origin.SESSION_ID.pattern == contract.SESSION_ID_PATTERN
    assert edge.SESSION_COOKIE == origin.SESSION_COOKIE == contract.SESSION_COOKIE
    assert edge.SESSION_ROUTE == origin.SESSION_ROUTE == contract.SESSION_ROUTE
    assert edge.SESSION_HEADER == contract.HEADER_SESSION_ID
    assert edge.SET_HEADER == contract.HEADER_SESSION_SET
    assert (origin.SESSION_BYTES_DEFAULT, origin.SESSION_BYTES_MAX) == (
        contract.SESSION_BYTES_DEFAULT, contract.SESSION_BYTES_MAX)
    assert origin.SESSION_DELAY_MAX_MS == contract.SESSION_DELAY_MAX_MS
    source = inspect.getsource(edge)
    for name in (contract.HEADER_SESSION, contract.HEADER_SESSION_AGE, contract.EVENT_EDGE_STATS,
                 contract.SESSION_HIT, contract.SESSION_MISS):
        assert f'"{name}"' in source
    origin_source = inspect.getsource(origin)
    for name in (contract.HEADER_SESSION_SET, contract.QUERY_SESSION_BYTES,
                 contract.QUERY_SESSION_DELAY, contract.HEADER_SESSION_ID):
        assert f'"{name}"' in origin_source
