"""What a Lambda function answers an ALB, or through its Function URL, read as HTTP.

Both take a response object ({statusCode, headers, body, isBase64Encoded}; the ALB also
`multiValueHeaders`, the Function URL `cookies`) and refuse what they cannot send: the ALB
answers 502 for an invalid one (ELB guide, "Lambda functions as targets": the response
must be a valid object of at most 1 MB), the Function URL the same 502. Every header name and
value, the status and the body pass fields.py's checks here, so nothing a function returns
reaches a wire unchecked.

A Function URL's answer without a statusCode is a 200 with the value as JSON (Lambda guide,
"Invoking Lambda function URLs", Response payload format).
"""
import base64
import binascii

import orjson

from edge_persist import edge_rules
from edge_persist.emulator.frontend import fields
from edge_persist.emulator.frontend.messages import HttpResponse


class InvalidResult(ValueError):
    """A function's response object that cannot be sent; its message says why."""


def _status(value):
    """A statusCode, given as a number or a numeric string."""
    status = int(value) if isinstance(value, str) and value.isdigit() else value
    problem = fields.status_problem(status)
    if problem:
        raise InvalidResult(problem)
    return status


def _headers(result, multi_value):
    headers = result.get("headers") or {}
    multi = (result.get("multiValueHeaders") or {}) if multi_value else {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise InvalidResult("headers must be an object")
    pairs = [(str(k), v if isinstance(v, str) else _scalar(k, v)) for k, v in headers.items()]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise InvalidResult(f"multiValueHeaders {name!r} must be a list")
        pairs += [(str(name), v if isinstance(v, str) else _scalar(name, v)) for v in values]
    problem = fields.headers_problem(pairs)
    if problem:
        raise InvalidResult(problem)
    return pairs


def _scalar(name, value):
    """A number or boolean header value, written as the runtimes write it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    raise InvalidResult(f"header {name!r}: its value must be a string")


def _body(result):
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise InvalidResult("body must be a string")
    if result.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidResult("body is not valid base64") from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidResult("body is not valid Unicode (a lone surrogate)") from None


def _json(result):
    """The result as JSON bytes, as the service measures and passes it on."""
    try:
        return orjson.dumps(result)
    except TypeError as err:  # a lone surrogate, an integer JSON numbers cannot hold
        raise InvalidResult(f"the response is not valid JSON: {err}") from None


def alb_response(result):
    """An ALB target's response object as HTTP; InvalidResult when the ALB refuses it."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise InvalidResult("a Lambda target must return an object with statusCode")
    if len(_json(result)) > edge_rules.ALB_MAX_LAMBDA_RESPONSE_BYTES:
        raise InvalidResult("the response is over 1 MB")
    return HttpResponse(_status(result["statusCode"]), _headers(result, True), _body(result))


def function_url_response(result):
    """A Function URL's answer as HTTP; InvalidResult when it cannot be sent."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpResponse(200, [("Content-Type", "application/json")], _json(result))
    headers = _headers(result, False)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise InvalidResult("cookies must be a list of strings")
    cookies = [("Set-Cookie", c) for c in cookies]
    problem = fields.headers_problem(cookies)
    if problem:
        raise InvalidResult(problem)
    return HttpResponse(_status(result["statusCode"]), headers + cookies, _body(result))
