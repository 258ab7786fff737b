"""The origin part of Lambda@Edge's origin events ("Lambda@Edge event structure")."""
from edge_persist.emulator.cloudfront import forwarding
from edge_persist.emulator.cloudfront.origins import read_origin
from edge_persist.emulator.template import Resolver


def origin_of(config):
    return forwarding.event_origin(read_origin(config, {}, Resolver({}), {}))


def test_an_s3_origins_auth_method_says_whether_it_has_an_oai():
    """Page: Lambda@Edge event structure
    Rule: for an Amazon S3 origin, authMethod is origin-access-identity when the origin has
    an origin access identity, none otherwise; domainName, path and customHeaders follow the
    origin's settings."""
    with_oai = origin_of({"Id": "s3", "DomainName": "b.s3.us-east-1.amazonaws.com",
                          "OriginPath": "/site",
                          "S3OriginConfig": {"OriginAccessIdentity":
                                             "origin-access-identity/cloudfront/E1234"},
                          "OriginCustomHeaders": [{"HeaderName": "X-From",
                                                   "HeaderValue": "cf"}]})["s3"]
    assert with_oai["authMethod"] == "origin-access-identity"
    assert with_oai["domainName"] == "b.s3.us-east-1.amazonaws.com"
    assert with_oai["path"] == "/site"
    assert with_oai["customHeaders"] == {"x-from": [{"key": "X-From", "value": "cf"}]}
    without = origin_of({"Id": "s3", "DomainName": "b.s3.us-east-1.amazonaws.com",
                         "S3OriginConfig": {"OriginAccessIdentity": ""}})["s3"]
    assert without["authMethod"] == "none"


def test_a_custom_origins_timeouts_and_protocol_are_its_settings():
    """Page: Lambda@Edge event structure
    Rule: for a custom origin, keepaliveTimeout, readTimeout, port and protocol are the
    origin's settings (OriginKeepaliveTimeout, OriginReadTimeout, HTTPPort or HTTPSPort,
    OriginProtocolPolicy)."""
    custom = origin_of({"Id": "c", "DomainName": "api.example.com", "CustomOriginConfig": {
        "OriginProtocolPolicy": "http-only", "HTTPPort": 8080, "OriginReadTimeout": 45,
        "OriginKeepaliveTimeout": 20}})["custom"]
    assert (custom["protocol"], custom["port"], custom["readTimeout"],
            custom["keepaliveTimeout"]) == ("http", 8080, 45, 20)
    defaults = origin_of({"Id": "c", "DomainName": "api.example.com",
                          "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}})["custom"]
    assert (defaults["protocol"], defaults["port"], defaults["readTimeout"],
            defaults["keepaliveTimeout"]) == ("https", 443, 30, 5)


def test_a_match_viewer_origin_takes_the_viewers_protocol_and_its_port():
    """Page: Origin settings
    Rule: with the Match viewer protocol policy, CloudFront reaches the origin over HTTP or
    HTTPS as the viewer reached CloudFront, on the HTTP or HTTPS port."""
    origin = read_origin({"Id": "c", "DomainName": "api.example.com", "CustomOriginConfig": {
        "OriginProtocolPolicy": "match-viewer", "HTTPPort": 8080, "HTTPSPort": 8443}},
        {}, Resolver({}), {})
    assert forwarding.event_origin(origin, "http")["custom"]["protocol"] == "http"
    assert forwarding.event_origin(origin, "http")["custom"]["port"] == 8080
    assert forwarding.event_origin(origin, "https")["custom"]["protocol"] == "https"
    assert forwarding.event_origin(origin, "https")["custom"]["port"] == 8443


def test_a_function_may_return_the_timeouts_it_was_given_and_only_set_them_in_range():
    """Page: Lambda@Edge event structure
    Rule: a custom origin's keepaliveTimeout a function sets is 1 to 60 seconds, its
    readTimeout 4 to 60. Assumed: a value CloudFront itself put in the event (OriginReadTimeout
    may be 1 to 180 seconds since the page was written) passes when returned unchanged."""
    from edge_persist import edge_rules
    from edge_persist.emulator.lambda_edge.validation import validate
    origin = origin_of({"Id": "c", "DomainName": "api.example.com", "CustomOriginConfig": {
        "OriginProtocolPolicy": "http-only", "OriginReadTimeout": 1,
        "OriginKeepaliveTimeout": 120}})
    request = {"clientIp": "203.0.113.9", "method": "GET", "uri": "/", "querystring": "",
               "headers": {"host": [{"key": "Host", "value": "d.cloudfront.net"}]},
               "origin": origin}

    def problems(**custom):
        result = {**request, "origin": {"custom": {**origin["custom"], **custom}}}
        return validate(edge_rules.ORIGIN_REQUEST, request, result)
    assert problems() == []
    assert problems(readTimeout=4, keepaliveTimeout=60) == []
    assert problems(readTimeout=3) and problems(readTimeout=61)
    assert problems(keepaliveTimeout=0) and problems(keepaliveTimeout=61)
    assert problems(readTimeout="1")
