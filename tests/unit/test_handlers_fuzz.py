"""Hypothesis: arbitrary valid CloudFront and ALB events never break the handlers."""
import base64
import contextlib
import copy
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_persist import contract, edge_rules
from edge_persist.emulator.lambda_edge.validation import validate
from tests.conftest import fresh_module, load_event

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Header names CloudFront can deliver: tokens, lowercase in the event's keys.
names = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,30}", fullmatch=True)
# Any text a header can carry from a viewer: unicode, but no control character but tab (RFC
# 9110's field syntax, which CloudFront's parser enforces) and no lone surrogate.
values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(
    chr(c) for c in [*range(0x00, 0x09), *range(0x0a, 0x20), 0x7f])), max_size=300)
# Huge values are built, not drawn character by character: drawing 6,000 is slow.
huge_values = st.builds(lambda unit, times, tail: unit * times + tail,
                        values.filter(bool).map(lambda v: v[:8]), st.integers(500, 2000), values)


def _random_case(name, draw):
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return "".join(c.upper() if f else c for c, f in zip(name, flips))


@st.composite
def cloudfront_events(draw):
    event = load_event("origin_request")
    request = event["Records"][0]["cf"]["request"]
    headers = {}
    pool = draw(st.lists(names, max_size=12, unique=True))
    # Viewers may send our own header names, hoping to spoof them.
    pool += draw(st.lists(st.sampled_from(contract.PERSIST_HEADERS), max_size=4, unique=True))
    for name in dict.fromkeys(pool):
        if edge_rules.is_disallowed_header(name):
            continue
        entries = draw(st.lists(st.one_of(values, huge_values) if draw(st.booleans()) and
                                len(headers) < 2 else values, min_size=1, max_size=3))
        headers[name] = [{"key": _random_case(name, draw), "value": v} for v in entries]
    if draw(st.booleans()):
        request["headers"] = headers
    else:
        request.pop("headers")  # a structurally valid event may carry no headers at all
    request["querystring"] = draw(st.one_of(st.just(""), st.from_regex(
        r"([a-z0-9]{1,8}=[a-z0-9%]{0,12}&?){1,5}", fullmatch=True)))
    request["uri"] = "/" + draw(st.from_regex(r"[a-zA-Z0-9/._-]{0,40}", fullmatch=True))
    if draw(st.booleans()):
        request["origin"] = {"s3": {"authMethod": "none", "customHeaders": {},
                                    "domainName": "bucket.s3.amazonaws.com", "path": ""}}
    size = len(request["querystring"]) + sum(len(n) + len(e["value"].encode())
                                             for n, es in headers.items() for e in es)
    # CloudFront itself refuses viewer requests past the limit; leave room for our 4 headers.
    if size > edge_rules.MAX_HEADERS_AND_QUERY_BYTES - 200:
        request["headers"] = {}
    return event


EDGE = fresh_module("lambda_edge")
EDGE.print = lambda *a, **k: None


@FUZZ
@given(cloudfront_events())
def test_edge_handler_output_always_passes_cloudfronts_checks(event):
    before = copy.deepcopy(event["Records"][0]["cf"]["request"])
    before.setdefault("headers", {})
    result = EDGE.handler(event, None)
    assert validate(edge_rules.ORIGIN_REQUEST, before, result) == []
    expected = {contract.HEADER_VALUE: EDGE.dataToPersist, contract.HEADER_ENV: EDGE.ENV_ID,
                contract.HEADER_REGION: EDGE.REGION,
                contract.HEADER_INVOCATION: str(EDGE.invocations)}
    for name, value in expected.items():
        assert result["headers"][name] == [{"key": name, "value": value}]
    untouched = {k: v for k, v in result["headers"].items() if k not in expected}
    assert untouched == {k: v for k, v in before["headers"].items() if k not in expected}


session_ids = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{0,130}", fullmatch=True), values)
cookies = st.one_of(values, st.builds(lambda junk, sid, more: f"{junk}; ep_session={sid}; {more}",
                                      values, session_ids, values))


@FUZZ
@given(cookie=st.one_of(st.none(), cookies), header_id=st.one_of(st.none(), session_ids),
       stored=st.one_of(st.none(), values, huge_values),
       method=st.sampled_from(["GET", "HEAD", "POST"]))
def test_the_session_route_never_raises_and_always_passes_cloudfronts_checks(
        cookie, header_id, stored, method):
    event = load_event("origin_request")
    request = event["Records"][0]["cf"]["request"]
    request.update(uri=contract.SESSION_ROUTE, method=method)
    if cookie is not None:
        request["headers"]["cookie"] = [{"key": "Cookie", "value": cookie}]
    if header_id is not None:
        request["headers"][contract.HEADER_SESSION_ID] = [{"key": "X-Session-Id",
                                                           "value": header_id}]
    before = copy.deepcopy(request)
    assert validate(edge_rules.ORIGIN_REQUEST, before, EDGE.handler(event, None)) == []
    response = {"status": "200", "statusDescription": "OK", "headers": {}}
    if stored is not None:
        response["headers"][contract.HEADER_SESSION_SET] = [{"key": "x-persist-set",
                                                             "value": stored}]
    answer = EDGE.handler({"Records": [{"cf": {"config": {"eventType": "origin-response"},
                                                "request": copy.deepcopy(before),
                                                "response": copy.deepcopy(response)}}]}, None)
    assert validate(edge_rules.ORIGIN_RESPONSE, response, answer) == []
    assert contract.HEADER_SESSION_SET not in answer["headers"]
    assert EDGE.STORE.bytes <= EDGE.STORE.budget


@st.composite
def alb_events(draw):
    event = load_event("alb_request")
    headers = draw(st.dictionaries(names, st.one_of(values, huge_values), max_size=10))
    headers.update(draw(st.dictionaries(st.sampled_from(sorted(contract.REDACTED_HEADERS)),
                                        values.filter(bool), max_size=4)))
    mode = draw(st.sampled_from(["single", "multi", "none"]))
    event.pop("headers")
    if mode == "single":
        event["headers"] = headers
    elif mode == "multi":
        event["multiValueHeaders"] = {k: draw(st.lists(st.just(v), min_size=0, max_size=2))
                                      for k, v in headers.items()}
    event["httpMethod"] = draw(st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE"]))
    if draw(st.booleans()):
        event.pop("queryStringParameters")
    else:
        event["queryStringParameters"] = draw(st.dictionaries(names, values, max_size=4))
    body = draw(st.one_of(st.none(), values, st.binary(max_size=200).map(
        lambda b: base64.b64encode(b).decode())))
    event["body"], event["isBase64Encoded"] = body, draw(st.booleans())
    for optional in draw(st.lists(st.sampled_from(["body", "isBase64Encoded", "path",
                                                   "requestContext"]), max_size=3)):
        event.pop(optional, None)
    return event, headers


ORIGIN = fresh_module("origin_lambda")


@FUZZ
@given(alb_events())
def test_origin_handler_never_raises_and_never_logs_secrets(pair):
    event, headers = pair
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        response = ORIGIN.handler(event, None)
    assert response["statusCode"] == 200
    (line,) = out.getvalue().splitlines()
    logged = json.loads(line)
    assert logged["event"] == contract.EVENT_ORIGIN_REQUEST
    sent_secrets = contract.REDACTED_HEADERS & set(logged["headers"])
    if "headers" in event:
        assert sent_secrets == contract.REDACTED_HEADERS & set(headers)
    for name in sent_secrets:
        assert logged["headers"][name] == ORIGIN.REDACTED
