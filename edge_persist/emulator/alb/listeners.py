"""The ALB tier: listener rules, fixed responses and Lambda targets, as the template says."""
import base64
import fnmatch
import ipaddress
import os
from urllib.parse import parse_qsl

from edge_persist.emulator.frontend.messages import HttpResponse, reason
from edge_persist.emulator.function_results import InvalidResult, alb_response


def _wildcard(pattern, value, case_sensitive):
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_matches(condition, request):
    field_name = condition.get("Field")
    if field_name == "http-header":
        config = condition["HttpHeaderConfig"]
        values = request.header_values(config["HttpHeaderName"])
        return any(_wildcard(p, v, False) for p in config["Values"] for v in values)
    if field_name == "path-pattern":
        patterns = condition.get("PathPatternConfig", {}).get("Values") or condition.get("Values", [])
        return any(_wildcard(p, request.path, True) for p in patterns)
    if field_name == "host-header":
        patterns = condition.get("HostHeaderConfig", {}).get("Values") or condition.get("Values", [])
        return any(_wildcard(p, h, False) for p in patterns for h in request.header_values("host"))
    if field_name == "http-request-method":
        return request.method in condition["HttpRequestMethodConfig"]["Values"]
    if field_name == "query-string":
        pairs = parse_qsl(request.query, keep_blank_values=True)
        return any((want.get("Key") is None or any(_wildcard(want["Key"], k, False) for k, _ in pairs))
                   and any(_wildcard(want["Value"], v, False) for k, v in pairs
                           if want.get("Key") is None or _wildcard(want["Key"], k, False))
                   for want in condition["QueryStringConfig"]["Values"])
    if field_name == "source-ip":
        address = ipaddress.ip_address(request.client_ip)
        return any(address in ipaddress.ip_network(c, strict=False)
                   for c in condition["SourceIpConfig"]["Values"])
    return False  # an unknown condition never matches, as a safe default


def _fixed(config):
    body = (config.get("MessageBody") or "").encode()
    return HttpResponse(int(config["StatusCode"]),
                        [("Content-Type", config.get("ContentType", "text/plain"))], body)


def _bad_gateway():
    return HttpResponse(502, [("Content-Type", "text/html")],
                        b"<html><body><h1>502 Bad Gateway</h1></body></html>")


class AlbTier:
    def __init__(self, load_balancer, pools, multi_value=None):
        """pools: target group logical id -> environments.Pool of its function."""
        self.lb = load_balancer
        self.pools = pools
        self.multi_value = multi_value or {}

    async def handle(self, request):
        for rule in self.lb.rules:
            if all(_condition_matches(c, request) for c in rule.conditions):
                return await self._act(rule.action, request)
        return await self._act(self.lb.default_action, request)

    @staticmethod
    def refusal(status, why):
        """The ALB's answer to a request its listener refuses (bad framing, too large)."""
        return HttpResponse(status, [("Content-Type", "text/html")],
                            f"<html><body><h1>{status} {reason(status)}</h1></body></html>"
                            .encode())

    async def _act(self, action, request):
        kind = action.get("Type")
        if kind == "fixed-response":
            return _fixed(action["FixedResponseConfig"])
        if kind == "forward":
            group = action["TargetGroupArn"]["Ref"]
            return await self._invoke(group, request)
        if kind == "redirect":
            config = action["RedirectConfig"]
            location = (f"{config.get('Protocol', 'http').lower()}://"
                        f"{config.get('Host', '#{host}')}{config.get('Path', request.path)}")
            return HttpResponse(301 if config.get("StatusCode") == "HTTP_301" else 302,
                                [("Location", location)])
        return _bad_gateway()

    def event(self, group, request):
        multi = self.multi_value.get(group, False)
        try:
            body, encoded = request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            body, encoded = base64.b64encode(request.body).decode(), True
        event = {"requestContext": {"elb": {"targetGroupArn": (
                    f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/"
                    f"{group[:32]}/{os.urandom(8).hex()}")}},
                 "httpMethod": request.method, "path": request.path,
                 "body": body, "isBase64Encoded": encoded}
        pairs = parse_qsl(request.query, keep_blank_values=True)
        if multi:
            event["multiValueQueryStringParameters"] = _grouped(pairs)
            event["multiValueHeaders"] = _grouped((k.lower(), v) for k, v in request.headers)
        else:  # single-value mode: the last value of a repeated name wins
            event["queryStringParameters"] = dict(pairs)
            event["headers"] = {k.lower(): v for k, v in request.headers}
        return event

    async def _invoke(self, group, request):
        outcome = await self.pools[group].invoke(self.event(group, request))
        if outcome.kind != "ok":
            return _bad_gateway()
        return self._translate(outcome.result)

    @staticmethod
    def _translate(result):
        """The Lambda's response object as HTTP, or 502 as the ALB answers a bad one."""
        try:
            return alb_response(result)
        except InvalidResult:
            return _bad_gateway()


def _grouped(pairs):
    grouped = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped
