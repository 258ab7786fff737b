"""Python twins of the guide's examples that have one: a generated page, a redirect, a query
string moved to a header, and an origin error turned into a 200."""
from urllib.parse import parse_qs, urlencode


def generate(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].endswith("/redirect"):
        return {"status": "302", "statusDescription": "Found", "headers": {
            "location": [{"key": "Location", "value": "https://docs.example.com/py"}]}}
    return {"status": "200", "statusDescription": "OK", "body": "<p>from Python</p>",
            "headers": {"content-type": [{"key": "Content-Type", "value": "text/html"}]}}


def query_to_header(event, context):
    request = event["Records"][0]["cf"]["request"]
    params = {k: v[0] for k, v in parse_qs(request["querystring"]).items()}
    if "auth" in params:
        request["headers"]["auth-header"] = [{"key": "Auth-Header",
                                              "value": params.pop("auth")}]
    request["querystring"] = urlencode(sorted(params.items()))
    return request


def error_to_ok(event, context):
    response = event["Records"][0]["cf"]["response"]
    if 400 <= int(response["status"]) <= 599:
        response["status"] = 200
        response["statusDescription"] = "OK"
        response["body"] = "Body generation example"
    return response
