"""The request and response size quotas ("Quotas", general quotas)."""


def test_a_url_over_8192_bytes_is_refused(get):
    """Page: Request and response behavior for custom origins
    Rule: the maximum length of the URL CloudFront constructs from a request is 8,192 bytes;
    past it CloudFront returns 413 (Request Entity Too Large) and ends the connection."""
    base = "/?v=limit&pad="
    assert get(base + "a" * (8192 - len(base))).status_code == 200
    refused = get(base + "a" * (8193 - len(base)))
    assert refused.status_code == 413 and refused.headers["Connection"] == "close"


def test_a_request_over_20480_bytes_without_its_body_is_refused(get):
    """Page: Request and response behavior for custom origins
    Rule: the maximum length of a request, with its path, query string and headers, is 20,480
    bytes; past it CloudFront returns 413 (Request Entity Too Large) and ends the
    connection."""
    assert get("/?v=limit-headers", headers={"X-Pad": "p" * 15_000}).status_code == 200
    refused = get("/?v=limit-headers", headers={"X-Pad": "p" * 10_000, "X-More": "m" * 10_500})
    assert refused.status_code == 413 and refused.headers["Connection"] == "close"


def test_an_origin_response_over_20480_bytes_of_headers_is_a_502(get):
    """Page: Quotas
    Rule: the maximum length of an origin response, including headers but not the body, is
    20,480 bytes; past it CloudFront cannot use the answer (502)."""
    assert get("/?v=limit-origin&bigheader=15000").status_code == 200
    assert get("/?v=limit-origin&bigheader=21000").status_code == 502
