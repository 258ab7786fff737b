"""Origins: what each origin of the template is, what reaches it, and how it answers.

Kinds, from the origin's DomainName:
- an ALB of the template: its listener rules and Lambda targets (alb.py);
- an S3 bucket of the template (or a literal *.s3.amazonaws.com): the object from the moto
  server's S3, 403 or 404 for a missing key as the bucket policy decides;
- an S3 bucket's website endpoint (its WebsiteURL, or a *.s3-website* domain): the bucket as
  its website endpoint answers (websites.py);
- a Lambda Function URL (AWS::Lambda::Url): the function, with the payload 2.0 event;
- anything else: a custom origin, reached only through `--origin DOMAIN=http://127.0.0.1:PORT`.

Sources (CloudFront Developer Guide): "Origin settings" (OriginPath, custom headers),
"Optimize high availability with CloudFront origin failover" (origin groups: the second
origin is tried on the configured status codes or a connection failure, and origin-request
runs again for it), "Restrict access to an Amazon S3 origin" (403 without s3:ListBucket).
"""
import asyncio
import base64
import os
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import botocore.exceptions

from edge_persist import cfn
from edge_persist.emulator.cloudfront.websites import website_domain
from edge_persist.emulator.frontend import client, fields
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.emulator.function_results import InvalidResult, function_url_response

# CloudFront's defaults for a custom origin ("Origin settings"): the response timeout
# (OriginReadTimeout) and how long an idle origin connection is kept (OriginKeepaliveTimeout).
ORIGIN_TIMEOUT_S = 30.0
KEEPALIVE_TIMEOUT_S = 5.0


@dataclass
class Origin:
    id: str
    kind: str                 # "alb", "s3", "s3-website", "function-url" or "custom"
    domain: str               # the host CloudFront connects to, as the event shows it
    target: str = None        # ALB or Function URL logical id, bucket name, or local URL
    path: str = ""            # OriginPath
    custom_headers: dict = field(default_factory=dict)
    port: int = 443
    protocol: str = "https"
    # match-viewer: the protocol (and its port) are the viewer's, request by request.
    http_port: int = 80
    match_viewer: bool = False
    read_timeout: float = ORIGIN_TIMEOUT_S
    keepalive_timeout: float = KEEPALIVE_TIMEOUT_S
    # An S3 origin's authMethod in the origin events: origin-access-identity when its
    # S3OriginConfig names an OAI, none otherwise ("Lambda@Edge event structure").
    auth_method: str = "none"

    @property
    def accept_encoding(self):
        """False when a blank Accept-Encoding custom header takes Accept-Encoding out of the
        cache key and the origin requests ("Increase the proportion of requests that are
        served directly from the CloudFront caches")."""
        return not any(name.lower() == "accept-encoding" and not str(value).strip()
                       for name, value in self.custom_headers.items())


@dataclass
class OriginGroup:
    id: str
    members: list             # origin ids, primary first
    status_codes: frozenset


def read_origin(config, resources, resolve, mapped):
    """One entry of DistributionConfig.Origins as an Origin."""
    origin_id = config["Id"]
    custom = config.get("CustomOriginConfig")
    protocol = "http" if custom and custom.get("OriginProtocolPolicy") == "http-only" \
        else "https"
    custom_config = resolve(custom or {})
    http_port = cfn.number(custom_config.get("HTTPPort", 80), 1, 65535, "HTTPPort", int)
    port = http_port if protocol == "http" else cfn.number(
        custom_config.get("HTTPSPort", 443), 1, 65535, "HTTPSPort", int)
    headers = {str(resolve(h["HeaderName"])): str(resolve(h["HeaderValue"]))
               for h in config.get("OriginCustomHeaders") or []}
    problem = fields.headers_problem(list(headers.items()))
    if problem:
        raise ValueError(f"origin {origin_id}'s OriginCustomHeaders: {problem}")
    oai = resolve((config.get("S3OriginConfig") or {}).get("OriginAccessIdentity"))
    policy = (custom or {}).get("OriginProtocolPolicy")
    common = {"id": origin_id, "path": resolve(config.get("OriginPath") or ""),
              "http_port": http_port, "match_viewer": policy == "match-viewer",
              "auth_method": "origin-access-identity" if oai else "none",
              "custom_headers": headers, "port": port, "protocol": protocol,
              "read_timeout": cfn.number(custom_config.get("OriginReadTimeout") or
                                         ORIGIN_TIMEOUT_S, 1, 180, "OriginReadTimeout"),
              "keepalive_timeout": cfn.number(custom_config.get("OriginKeepaliveTimeout") or
                                              KEEPALIVE_TIMEOUT_S, 1, 180,
                                              "OriginKeepaliveTimeout")}
    website = _website_bucket(config.get("DomainName"), resources)
    if website:
        return Origin(kind="s3-website", target=website, domain=website_domain(website),
                      **common)
    for logical in cfn.referenced_ids(config.get("DomainName")):
        kind = (resources.get(logical) or {}).get("Type")
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            return Origin(kind="alb", target=logical,
                          domain=f"{logical.lower()}.us-east-1.elb.amazonaws.com", **common)
        if kind == "AWS::S3::Bucket":
            return Origin(kind="s3", target=logical,
                          domain=f"{logical.lower()}.s3.us-east-1.amazonaws.com", **common)
        if kind == "AWS::Lambda::Url":
            return Origin(kind="function-url", target=logical,
                          domain=f"{logical.lower()}.lambda-url.us-east-1.on.aws", **common)
    domain = str(resolve(config.get("DomainName")))
    if ".s3-website" in domain:  # a bucket outside the template, by its website domain
        return Origin(kind="s3-website", target=domain.split(".s3-website")[0], domain=domain,
                      **common)
    if config.get("S3OriginConfig") is not None and ".s3" in domain:
        return Origin(kind="s3", target=domain.split(".s3")[0], domain=domain, **common)
    return Origin(kind="custom", target=mapped.get(domain), domain=domain, **common)


def _website_bucket(value, resources):
    """The logical id of the template bucket whose WebsiteURL `value` is built from, or None."""
    if isinstance(value, dict):
        att = value.get("Fn::GetAtt")
        if isinstance(att, str):
            att = att.split(".", 1)
        if isinstance(att, list) and len(att) == 2 and att[1] == "WebsiteURL" and \
                (resources.get(att[0]) or {}).get("Type") == "AWS::S3::Bucket":
            return att[0]
        inner = value.values()
    elif isinstance(value, list):
        inner = value
    else:
        return None
    return next((found for v in inner if (found := _website_bucket(v, resources))), None)


def read_group(config):
    criteria = (config.get("FailoverCriteria") or {}).get("StatusCodes") or {}
    return OriginGroup(config["Id"],
                       [m["OriginId"] for m in (config.get("Members") or {}).get("Items") or []],
                       frozenset(cfn.number(c, 400, 599, "a failover status code", int)
                                 for c in criteria.get("Items") or []))


class OriginUnreachable(Exception):
    """The origin could not be reached, or did not answer within its response timeout: an
    origin group fails over; CloudFront gives 502, or 504 (Gateway Timeout) for a timeout."""

    def __init__(self, message, timed_out=False):
        super().__init__(message)
        self.timed_out = timed_out


def _with_length(response):
    """An AWS service's answer as it arrives: S3, an ALB and a Function URL send
    Content-Length (what compression and ranges go by)."""
    if not response.header_values("content-length"):
        response.headers = [*response.headers, ("Content-Length", str(len(response.body)))]
    return response


def gateway_error(timed_out):
    """CloudFront's answer when no origin answered: 504 after a timeout, else 502."""
    status, text = (504, "Gateway Timeout") if timed_out else (502, "Bad Gateway")
    return HttpResponse(status, [("Content-Type", "text/html")],
                        f"<html><body><h1>{status} {text}</h1></body></html>".encode())


class Fetcher:
    """Sends an origin request to whichever kind of origin it names, on the emulator's event
    loop. S3 and website origins are read from the moto server with boto3, in `executor`'s
    threads; custom origins through one pool of kept-alive connections."""

    def __init__(self, albs, buckets, function_urls, executor=None):
        """albs: logical id -> AlbTier; buckets: buckets.Buckets; function_urls: logical id
        -> Pool of the function behind the URL."""
        self.albs, self.buckets, self.function_urls = albs, buckets, function_urls
        self.executor = executor
        self.connections = client.OriginPool()

    async def fetch(self, origin, request):
        if origin.kind == "custom":
            return await self._custom(origin, request)
        if origin.kind == "alb":
            response = await self.albs[origin.target].handle(request)
        elif origin.kind == "function-url":
            response = await self._function_url(origin, request)
        else:
            loop = asyncio.get_running_loop()
            try:
                response = await loop.run_in_executor(self.executor, self._bucket, origin,
                                                      request)
            except botocore.exceptions.BotoCoreError as err:  # the local S3 is gone
                raise OriginUnreachable(f"{origin.domain}: {err}") from None
        return _with_length(response)

    def _bucket(self, origin, request):
        bucket = self.buckets.names.get(origin.target, origin.target)
        if origin.kind == "s3-website":
            return self.buckets.website(bucket, request.method, origin.path + request.path)
        return self.buckets.get_object(
            bucket, origin.path + request.path, request.method,
            [(k.lower(), v) for k, v in request.headers
             if k.lower() in ("if-none-match", "if-modified-since")])

    async def _custom(self, origin, request):
        if not origin.target:
            raise OriginUnreachable(f"custom origin {origin.domain} is not mapped: pass "
                                    f"--origin {origin.domain}=http://127.0.0.1:PORT")
        split = urlsplit(origin.target)
        target = (split.path.rstrip("/") + origin.path + request.path +
                  (f"?{request.query}" if request.query else ""))
        # The Host the request carries: the origin's domain, or the viewer's where a policy
        # forwards it ("Use managed origin request policies", AllViewer).
        host = request.header_values("host")
        headers = [("Host", host[0] if host else origin.domain)] + [
            (k, v) for k, v in request.headers if k.lower() not in ("host", "content-length")]
        try:
            status, answer_headers, body = await self.connections.exchange(
                split.scheme, split.hostname, split.port or (443 if split.scheme == "https"
                                                             else 80),
                request.method, target, headers, request.body, origin.read_timeout,
                origin.keepalive_timeout)
        except client.OriginTimeout as err:  # no answer within OriginReadTimeout
            raise OriginUnreachable(f"{origin.domain}: {err}", timed_out=True) from None
        except (client.OriginFailed, fields.InvalidField) as err:
            raise OriginUnreachable(f"{origin.domain}: {err}") from None
        return HttpResponse(status, answer_headers, body)

    async def _function_url(self, origin, request):
        pool = self.function_urls[origin.target]
        outcome = await pool.invoke(function_url_event(request, origin.domain))
        if outcome.kind != "ok":
            return gateway_error(False)
        try:
            return function_url_response(outcome.result)
        except InvalidResult:
            return gateway_error(False)

    def close(self):
        self.connections.close()


def function_url_event(request, domain):
    """The Function URL (payload format 2.0) event; Lambda guide, "Invoking Lambda function
    URLs", Request payload format."""
    try:
        body, encoded = request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(request.body).decode(), True
    headers = {}
    for name, value in request.headers:
        if name.lower() != "cookie":
            headers[name.lower()] = f"{headers[name.lower()]},{value}" \
                if name.lower() in headers else value
    cookies = [c.strip() for v in request.header_values("cookie") for c in v.split(";")
               if c.strip()]
    now = time.time()
    event = {
        "version": "2.0", "routeKey": "$default", "rawPath": request.path,
        "rawQueryString": request.query, "headers": headers,
        "requestContext": {
            "accountId": "anonymous", "apiId": domain.split(".")[0], "domainName": domain,
            "domainPrefix": domain.split(".")[0], "requestId": os.urandom(16).hex(),
            "routeKey": "$default", "stage": "$default", "time": time.strftime(
                "%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
            "http": {"method": request.method, "path": request.path, "protocol": "HTTP/1.1",
                     "sourceIp": request.client_ip,
                     "userAgent": headers.get("user-agent", "")}},
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if request.query:
        event["queryStringParameters"] = dict(parse_qsl(request.query, keep_blank_values=True))
    if request.body:
        event["body"] = body
    return event


def s3_error(status, code, message):
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()
    return HttpResponse(status, [("Content-Type", "application/xml")], body)

