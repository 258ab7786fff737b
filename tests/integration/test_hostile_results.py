"""Hostile function results, on every trigger, in both languages, and a misbehaving origin
(apps/hostile_app.py): whatever a function returns or an origin writes, the viewer gets one
well-framed answer of CloudFront's shape, nothing crafted reaches a wire on either side, and
the environments' processes come back to their number before. One emulator for the module.

Hypothesis draws the results: random JSON with NaN, infinities, lone surrogates, very deep
nesting, cycles, values JSON has no form for, wrong types, and strings built to split a
response or smuggle a request, placed where a result's fields go or in place of the result."""
import json
import socket
import time
from urllib.parse import quote

import httptools
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_persist.emulator.server import Emulator
from tests.conftest import synthesized
from tests.integration.apps import hostile_app
from tests.integration.raw_origin import BODY, MISBEHAVIOURS, RawOrigin

MARK = "smuggled"
# Strings that, written unchecked, would add a header, end a message or start a second one.
SPLITTERS = [f"x\r\n{MARK}: 1", f"/x HTTP/1.1\r\nHost: a\r\n\r\nGET /{MARK} HTTP/1.1\r\nA: b",
             f"a\n{MARK}: 1", f"a\r{MARK}: 1", f"a\x00{MARK}", f"{MARK}\r\n\r\n", "\r\n"]
# What JSON cannot say: hostile_code/hostile.py decodes these.
UNSAYABLE = ["$:nan", "$:inf", "$:-inf", "$:native", "$:cycle", "$:undefined", "$:delete",
             "$:deep:1100", "$:deep:100000"]
NAMES = ["set-cookie", "content-length", "transfer-encoding", "host", "x-amz-cf-id", "via",
         "x-cache", "connection", "location", "content-encoding", "X-Upper", "x-ok", "", " ",
         "é", "cloudfront-viewer-country", "x-edge-origin-shield-skip-error"]
# Which triggers each behavior runs, and the fields each kind of result has.
BEHAVIORS = {
    "/py/": ("viewer-request", "origin-request", "origin-response", "viewer-response"),
    "/js/": ("viewer-request", "origin-request", "origin-response", "viewer-response"),
    "/cff/": ("cff:viewer-request", "cff:viewer-response", "origin"),
    "/jsurl/": ("origin",),
}
FIELDS = {
    "request": [["uri"], ["querystring"], ["method"], ["clientIp"], ["headers"], ["headers", "$n"],
                ["headers", "$n", 0], ["headers", "$n", 0, "value"], ["headers", "$n", 0, "key"],
                ["origin"], ["origin", "custom"], ["origin", "custom", "domainName"],
                ["origin", "custom", "port"], ["origin", "custom", "protocol"],
                ["origin", "custom", "path"], ["origin", "custom", "readTimeout"],
                ["origin", "custom", "customHeaders", "$n", 0, "value"], ["origin", "s3"],
                ["body"], ["body", "data"], ["body", "action"], ["body", "encoding"],
                ["status"], ["statusDescription"], ["bodyEncoding"]],
    "response": [["status"], ["statusDescription"], ["headers"], ["headers", "$n"],
                 ["headers", "$n", 0, "value"], ["headers", "$n", 0, "key"], ["body"],
                 ["bodyEncoding"]],
    "cff": [["uri"], ["method"], ["querystring", "$n"], ["querystring", "$n", "value"],
            ["querystring", "$n", "multiValue"], ["headers", "$n"], ["headers", "$n", "value"],
            ["cookies", "$n", "value"], ["cookies", "$n", "attributes"], ["statusCode"],
            ["statusDescription"], ["body"], ["body", "data"], ["body", "encoding"]],
    "origin": [["statusCode"], ["headers"], ["headers", "$n"], ["body"], ["isBase64Encoded"],
               ["cookies"], ["cookies", 0], ["multiValueHeaders", "$n"]],
}
HOSTILE = settings(max_examples=300, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture])

names = st.one_of(st.sampled_from(NAMES + SPLITTERS),
                  st.from_regex(r"[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,12}", fullmatch=True))
text = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                    st.floats(allow_nan=False, allow_infinity=False), text,
                    st.sampled_from(SPLITTERS + UNSAYABLE))
values = st.recursive(scalars, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(names, kids, max_size=3)), max_leaves=8)
statuses = st.one_of(st.sampled_from(["200", "204", "302", "0", "99", "600", 200, 204, 600]),
                     values)
generated = st.fixed_dictionaries({"status": statuses}, optional={
    "statusDescription": values, "body": values, "bodyEncoding": values,
    "headers": st.dictionaries(names, st.one_of(values, st.lists(st.fixed_dictionaries(
        {"key": names, "value": values}), max_size=2)), max_size=3)})


def _kind(trigger):
    if trigger.startswith("cff:"):
        return "cff"
    if trigger == "origin":
        return "origin"
    return "request" if trigger.endswith("request") else "response"


@st.composite
def steps(draw, trigger):
    kind = _kind(trigger)
    if draw(st.integers(0, 4)) == 0:
        return {"replace": draw(st.one_of(values, generated))}
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        path = [draw(names) if key == "$n" else key for key in draw(st.sampled_from(FIELDS[kind]))]
        edits.append([path, draw(values)])
    return {"set": edits}


@st.composite
def specs(draw):
    prefix = draw(st.sampled_from(sorted(BEHAVIORS)))
    spec = {}
    for trigger in draw(st.lists(st.sampled_from(BEHAVIORS[prefix]), min_size=1, unique=True)):
        spec[trigger.removeprefix("cff:")] = draw(steps(trigger))
    return prefix, spec


@pytest.fixture(scope="module")
def hostile_assembly(tmp_path_factory):
    return synthesized(tmp_path_factory, "hostile.out", hostile_app.build)


@pytest.fixture(scope="module")
def raw_origin():
    origin = RawOrigin()
    yield origin
    origin.stop()


@pytest.fixture(scope="module")
def emu(hostile_assembly, moto_url, raw_origin):
    emulator = Emulator(hostile_assembly, moto_url,
                        origins={hostile_app.RAW_DOMAIN: raw_origin.url}).start()
    yield emulator
    emulator.stop()


def _exchange(emu, path, headers=()):
    """One request on a fresh connection, read to its close: the answers on the wire, and
    whether the bytes were all well-framed HTTP/1.1."""
    port = int(emu.url.rsplit(":", 1)[1])
    lines = [f"GET {path} HTTP/1.1", "Host: hostile.test", "Connection: close",
             *(f"{n}: {v}" for n, v in headers)]
    answers, current = [], {}

    class Protocol:
        def on_status(self, status):
            current["headers"] = []

        def on_header(self, name, value):
            current["headers"].append((name.decode("latin-1"), value.decode("latin-1")))

        def on_body(self, body):
            current["body"] = current.get("body", b"") + body

        def on_message_complete(self):
            answers.append((parser.get_status_code(), current.pop("headers"),
                            current.pop("body", b"")))

    parser = httptools.HttpResponseParser(Protocol())
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while data := sock.recv(65536):
            parser.feed_data(data)
    return answers


def _processes():
    return [p for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE]


def _settled(baseline, within_s=10):
    """Environment processes back to their number before (crashed ones replaced, none
    leaked); zombies count as leaked."""
    deadline = time.monotonic() + within_s
    while len(psutil.Process().children(recursive=True)) > baseline:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _assert_cloudfront_shaped(answers):
    assert len(answers) == 1, answers
    status, headers, body = answers[0]
    fields = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value)
    assert 200 <= status <= 599, status
    assert fields.get("x-amz-cf-id") and fields.get("x-amz-cf-pop"), headers
    assert fields["via"][0].endswith("(CloudFront)"), headers
    assert fields["x-cache"][0].lower().endswith(" from cloudfront"), headers
    assert MARK not in fields and MARK.title() not in fields, headers
    assert b"Traceback" not in body and b"internal error" not in body, body[:300]
    return status, fields, body


@pytest.fixture(scope="module")
def baseline(emu, raw_origin):
    """Every behavior served once, with no spec: each function's environment started."""
    for prefix in BEHAVIORS:
        (answer,) = _exchange(emu, prefix + "warm")
        assert answer[0] == 200, answer
    raw_origin.taken()
    return len(psutil.Process().children(recursive=True))


@HOSTILE
@given(specs())
def test_no_function_result_breaks_the_edge(emu, raw_origin, baseline, spec):
    prefix, steps_ = spec
    header = quote(json.dumps(steps_, ensure_ascii=True), safe="")
    status, fields, body = _assert_cloudfront_shaped(
        _exchange(emu, prefix + "p?q=1", [("x-hostile", header)]))
    for url, headers in raw_origin.taken():
        assert MARK not in url and MARK not in headers, (url, headers)
    if status in (502, 503):
        assert fields["x-cache"][0].split()[0] in (
            "Error", "LambdaValidationError", "LambdaExecutionError", "FunctionValidationError",
            "FunctionExecutionError", "LambdaLimitExceeded"), fields
    assert _settled(baseline)


def test_environments_serve_after_the_hostile_run(emu, baseline):
    """After everything above, plain requests still get plain answers, from no more processes
    than before."""
    for prefix in BEHAVIORS:
        ((status, _, _),) = _exchange(emu, prefix + "again")
        assert status == 200
    assert _settled(baseline)


@pytest.mark.parametrize("prefix", ["/", "/cached/"])
@pytest.mark.parametrize("kind", sorted(MISBEHAVIOURS))
def test_a_misbehaving_origin_is_a_cloudfront_error_never_served_or_cached(emu, raw_origin, kind,
                                                                          prefix):
    """Under /cached/ the error may be kept for its error caching TTL, as an error."""
    path = f"{prefix}misbehave/{kind}"
    for _ in range(2):
        status, fields, body = _assert_cloudfront_shaped(_exchange(emu, path))
        assert status in (502, 504), (status, body)
        assert fields["x-cache"] == ["Error from cloudfront"]
        assert (status == 504) == (kind == "silent")
    assert len(raw_origin.taken()) >= (2 if prefix == "/" else 1)


def test_the_raw_origin_answers_well_when_asked_to(emu, raw_origin):
    """The control: the same origin, asked for a well-formed answer, is served it."""
    status, fields, body = _assert_cloudfront_shaped(_exchange(emu, "/cached/fine"))
    assert (status, body) == (200, BODY)


def test_a_callback_with_a_timer_left_times_out_unless_it_says_not_to_wait(emu):
    """Lambda's Node.js runtime returns a callback's answer once the event loop is empty,
    unless context.callbackWaitsForEmptyEventLoop is false ("Define Lambda function handler
    in Node.js", callback-based handlers): a timer left pending is a timeout, 503."""
    started = time.monotonic()
    ((status, headers, _),) = _exchange(emu, "/lingering/x")
    assert status == 503 and ("X-Cache", "LambdaLimitExceeded from CloudFront") in headers
    assert time.monotonic() - started >= hostile_app.LINGER_TIMEOUT_S
    ((status, _, body),) = _exchange(emu, "/leaving/x")
    assert (status, body) == (200, BODY)
