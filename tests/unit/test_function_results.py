"""What an ALB target or a Function URL returns, read as HTTP (function_results.py): any
JSON value is either refused as InvalidResult or becomes a response every field of which can
go on a wire (ELB guide, "Lambda functions as targets"; Lambda guide, "Invoking Lambda
function URLs")."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_persist.emulator.frontend import fields
from edge_persist.emulator.function_results import (InvalidResult, alb_response,
                                                    function_url_response)

SPLITTERS = ["a\r\nset-cookie: pwn=1", "a\nb", "a\x00b", "x y", "", "é"]
text = st.one_of(st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])),
                         max_size=10), st.sampled_from(SPLITTERS))
scalar = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1),
                   st.floats(allow_nan=False), text)
json_values = st.recursive(scalar, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(text, kids, max_size=3)), max_leaves=10)
results = st.one_of(json_values, st.fixed_dictionaries(
    {"statusCode": st.one_of(st.integers(-5, 1000), st.sampled_from(["200", "0", "99"]),
                             json_values)},
    optional={"headers": st.dictionaries(text, json_values, max_size=3),
              "multiValueHeaders": st.dictionaries(text, st.lists(json_values, max_size=2),
                                                   max_size=2),
              "cookies": st.one_of(json_values, st.lists(text, max_size=2)),
              "body": json_values, "isBase64Encoded": st.booleans()}))


@settings(max_examples=400, deadline=None)
@given(results)
@pytest.mark.parametrize("read", [alb_response, function_url_response])
def test_a_result_is_refused_or_every_field_can_go_on_a_wire(read, result):
    try:
        response = read(result)
    except InvalidResult as refused:
        assert str(refused)
        return
    assert fields.status_problem(response.status) is None
    assert fields.headers_problem(response.headers) is None
    assert isinstance(response.body, bytes)


@pytest.mark.parametrize("result, words", [
    ({"statusCode": 0}, "status"),
    ({"statusCode": 200, "headers": {"x-a\r\nset-cookie": "pwn=1"}}, "token"),
    ({"statusCode": 200, "headers": {"x-a": "1\r\nset-cookie: pwn=1"}}, "control"),
    ({"statusCode": 200, "cookies": ["a=1\r\nx: y"]}, "control"),
    ({"statusCode": 200, "body": "\ud800"}, "Unicode"),
    ({"statusCode": 200, "body": "!!", "isBase64Encoded": True}, "base64"),
])
def test_the_ways_of_splitting_a_response_are_refused(result, words):
    with pytest.raises(InvalidResult, match=words):
        function_url_response(result)
