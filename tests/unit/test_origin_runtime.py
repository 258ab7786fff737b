"""The origin Lambda behind the ALB, on the Lambda guide's ALB sample event."""
import base64
import json

import pytest

from edge_persist import contract


def log_line(capsys):
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_answers_hello_and_echoes_custom_header(origin_module, alb_event, capsys):
    alb_event["headers"][contract.HEADER_VALUE] = "2026-11-23T10:00:00.000Z"
    response = origin_module.handler(alb_event, None)
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/plain")
    assert response["headers"][contract.HEADER_SEEN] == "2026-11-23T10:00:00.000Z"
    assert response["body"].startswith("Hello from Lambda! 20")
    assert response["isBase64Encoded"] is False


def test_logs_one_origin_request_line(origin_module, alb_event, capsys):
    alb_event["headers"].update({contract.HEADER_VALUE: "v", contract.HEADER_ENV: "e1",
                                 contract.HEADER_REGION: "eu-west-3",
                                 contract.HEADER_INVOCATION: "7", contract.HEADER_PROBE: "p-1"})
    origin_module.handler(alb_event, None)
    line = log_line(capsys)
    assert line["event"] == "origin_request"
    assert (line["custom_header"], line["persist_env"], line["persist_region"],
            line["persist_invocation"], line["probe_id"]) == ("v", "e1", "eu-west-3", "7", "p-1")
    assert (line["method"], line["path"]) == ("GET", "/lambda")
    assert line["headers"]["user-agent"].startswith("Mozilla/5.0")


def test_probe_id_falls_back_to_query_parameter(origin_module, alb_event, capsys):
    alb_event["queryStringParameters"] = {contract.QUERY_PROBE: "p-9"}
    origin_module.handler(alb_event, None)
    assert log_line(capsys)["probe_id"] == "p-9"


def test_secret_bearing_headers_are_redacted(origin_module, alb_event, capsys):
    secrets = {name: f"secret-{name}" for name in contract.REDACTED_HEADERS}
    alb_event["headers"].update(secrets)
    origin_module.handler(alb_event, None)
    raw = json.dumps(log_line(capsys))
    for value in secrets.values():
        assert value not in raw
    assert origin_module.REDACTED_HEADERS == contract.REDACTED_HEADERS


def test_head_has_no_body(origin_module, alb_event, capsys):
    alb_event["httpMethod"] = "HEAD"
    assert origin_module.handler(alb_event, None)["body"] == ""


def test_base64_body_and_missing_headers(origin_module, alb_event, capsys):
    del alb_event["headers"]
    alb_event.update(httpMethod="POST", body=base64.b64encode(b"\x00\x01abc").decode(),
                     isBase64Encoded=True)
    response = origin_module.handler(alb_event, None)
    line = log_line(capsys)
    assert response["headers"][contract.HEADER_SEEN] == ""
    assert line["body_bytes"] == 5 and line["custom_header"] is None


def test_multi_value_headers_answer_in_the_same_mode(origin_module, alb_event, capsys):
    multi = {k: [v] for k, v in alb_event.pop("headers").items()}
    multi[contract.HEADER_VALUE] = ["first", "last"]
    alb_event["multiValueHeaders"] = multi
    response = origin_module.handler(alb_event, None)
    assert "headers" not in response
    assert response["multiValueHeaders"][contract.HEADER_SEEN] == ["last"]
    assert log_line(capsys)["custom_header"] == "last"


def _session_event(alb_event, cookie="ep_session=s-1", **query):
    alb_event["path"] = "/session"
    alb_event["headers"]["cookie"] = cookie
    alb_event["queryStringParameters"] = {k: str(v) for k, v in query.items()}
    return alb_event


def test_session_data_is_json_with_padding_and_travels_in_x_persist_set(origin_module, alb_event):
    response = origin_module.handler(_session_event(alb_event, bytes=100), None)
    data = json.loads(response["body"])
    assert data["session"] == "s-1" and data["padding"] == "x" * 100
    assert response["headers"]["x-persist-set"] == response["body"]
    assert "\n" not in response["body"]  # one header line


@pytest.mark.parametrize("query, padding", [({}, 256), ({"bytes": "99999"}, 4096),
                                            ({"bytes": "-5"}, 0), ({"bytes": "abc"}, 256)])
def test_padding_is_bounded(origin_module, alb_event, query, padding):
    response = origin_module.handler(_session_event(alb_event, **query), None)
    assert len(json.loads(response["body"])["padding"]) == padding


def test_the_lookup_delay_is_simulated_and_capped(origin_module, alb_event, monkeypatch):
    slept = []
    monkeypatch.setattr(origin_module.time, "sleep", slept.append)
    origin_module.handler(_session_event(alb_event, delay_ms=5000), None)
    assert slept == [1.0]


def test_without_a_valid_session_the_route_answers_as_any_path(origin_module, alb_event):
    response = origin_module.handler(_session_event(alb_event, cookie="ep_session=../x"), None)
    assert response["body"].startswith("Hello from Lambda!")
    assert "x-persist-set" not in response["headers"]
