"""Whatever a viewer puts in the signing parameters, the check answers, never raises: a
malformed signed URL is CloudFront's 403, not an emulator error."""
import base64
import json

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_persist.emulator.cloudfront import signed_urls
from edge_persist.emulator.frontend.messages import HttpRequest

KEYS = {"KTESTKEY000001": ec.generate_private_key(ec.SECP256R1()).public_key()}
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["Statement", "Condition", "Resource",
                                                       "DateLessThan", "DateGreaterThan",
                                                       "IpAddress", "AWS:EpochTime",
                                                       "AWS:SourceIp"]), inner, max_size=4),
                    max_leaves=12)


def encoded(value):
    text = base64.b64encode(json.dumps(value).encode()).decode()
    return text.replace("+", "-").replace("=", "_").replace("/", "~")


@settings(max_examples=300, deadline=None)
@given(policy=JSON, signature=st.text(max_size=12), expires=st.text(max_size=12),
       algorithm=st.sampled_from(["", "SHA1", "SHA256", "MD5"]), key=st.sampled_from(
           ["", "KTESTKEY000001", "KOTHER"]), in_cookies=st.booleans(),
       ip=st.sampled_from(["127.0.0.1", "::1", "not-an-ip"]))
def test_any_signing_values_get_an_answer(policy, signature, expires, algorithm, key,
                                          in_cookies, ip):
    values = {"Policy": encoded(policy), "Signature": signature, "Expires": expires,
              "Hash-Algorithm": algorithm, "Key-Pair-Id": key}
    if in_cookies:
        request = HttpRequest("GET", "/p", "", [("Cookie", "; ".join(
            f"CloudFront-{k}={v}" for k, v in values.items() if ";" not in v))], b"", ip)
    else:
        query = "&".join(f"{k}={v}" for k, v in values.items())
        request = HttpRequest("GET", "/p", query, [], b"", ip)
    found = signed_urls.refusal(KEYS, request, "https", "d.example", "/p")
    assert found is None or found in (signed_urls.MISSING_KEY, signed_urls.INVALID_KEY,
                                      signed_urls.DENIED, signed_urls.MALFORMED)
