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
    for name in contract.PERSIST_HEADERS + (contract.HEADER_SEEN, contract.HEADER_PROBE):
        assert f'"{name}"' in source
    assert module.REDACTED_HEADERS == contract.REDACTED_HEADERS
