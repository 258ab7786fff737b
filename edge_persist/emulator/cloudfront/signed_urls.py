"""Signed URLs and signed cookies: a behavior with TrustedKeyGroups serves only a request
signed with a private key whose public key is in one of those key groups.

CloudFront Developer Guide, "Serve private content with signed URLs and signed cookies" and
its pages ("Use signed URLs", "Create a signed URL using a canned policy" / "... a custom
policy", "Use signed cookies", "Set signed cookies using a canned policy" / "... a custom
policy", "Specify signers that can create signed URLs and signed cookies"):
- a signed URL carries `Expires` (canned) or `Policy` (custom), `Signature`, `Key-Pair-Id` and
  optionally `Hash-Algorithm` (SHA1, the default, or SHA256); signed cookies carry the same as
  `CloudFront-Expires` / `CloudFront-Policy`, `CloudFront-Signature`,
  `CloudFront-Key-Pair-Id`, `CloudFront-Hash-Algorithm`;
- with both, the signed URL alone decides;
- the policy and the signature are base64 with `+ = /` replaced by `- _ ~`;
- a canned policy is `{"Statement":[{"Resource":"<URL>","Condition":{"DateLessThan":
  {"AWS:EpochTime":<Expires>}}}]}`, without whitespace, signed as it is; the resource is the
  URL the viewer asked for, its own query string included and the signing parameters left out;
- a custom policy's `Resource` may use `*` (any run of characters) and `?` (one); its
  `DateLessThan` is required, `DateGreaterThan` and `IpAddress` (`AWS:SourceIp`, a CIDR) are
  optional; a signed cookie's custom policy may omit the resource (every URL);
- the key is RSA (PKCS #1 v1.5 signatures) or ECDSA P-256;
- CloudFront checks the dates when the request arrives; any failure is 403.

The error bodies are CloudFront's XML `<Error><Code>..</Code><Message>..</Message></Error>`
with the codes it is known to send (`MissingKey`, `InvalidKey`, `AccessDenied`,
`MalformedPolicy`); the guide names no list, so that much is assumed.
"""
import base64
import hashlib
import ipaddress
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from edge_persist.errors import parse_json

URL_PARAMETERS = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")
COOKIE_PREFIX = "CloudFront-"
HASHES = {"SHA1": hashes.SHA1, "SHA256": hashes.SHA256}
MISSING_KEY = ("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
INVALID_KEY = ("InvalidKey", "Unknown Key")
DENIED = ("AccessDenied", "Access denied")
MALFORMED = ("MalformedPolicy", "Malformed Policy")


def local_key_id(stack, logical_id):
    """A public key's id, as CloudFront's look (K and 13 capitals or digits), the same for the
    same stack and resource at every start, so a URL signed once stays valid."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).digest()
    return "K" + base64.b32encode(digest).decode()[:13]


def public_key(pem):
    """The key of a PublicKeyConfig.EncodedKey; ValueError when it is not a PEM public key."""
    return serialization.load_pem_public_key(str(pem).encode())


def error_body(code_and_message):
    code, message = code_and_message
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


def _b64(text):
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"),
                            validate=True)


def _verified(key, signature, message, algorithm):
    digest = HASHES[algorithm]()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(digest))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _signing_values(request, query_pairs):
    """(values, from the URL): the signed URL's parameters, or else the signed cookies'."""
    from_url = {k: v for k, v in query_pairs if k in URL_PARAMETERS}
    if from_url:
        return from_url, True
    cookies = SimpleCookie()
    for header in request.header_values("cookie"):
        try:
            cookies.load(header)
        except Exception:  # noqa: BLE001 - an unparsable Cookie header signs nothing
            continue
    return {name[len(COOKIE_PREFIX):]: morsel.value for name, morsel in cookies.items()
            if name.startswith(COOKIE_PREFIX)
            and name[len(COOKIE_PREFIX):] in URL_PARAMETERS}, False


def resource_url(scheme, host, path, query, from_url):
    """The URL a policy's Resource is compared with: the viewer's as it was sent, without the
    signing parameters when they came in the URL (the rest of the query string untouched,
    byte for byte, since the signature covers exactly it)."""
    if from_url:
        query = "&".join(part for part in query.split("&")
                         if unquote(part.split("=", 1)[0]) not in URL_PARAMETERS)
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def _matches(pattern, url):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, url, re.DOTALL) is not None


def refusal(keys, request, scheme, host, path, now=None):
    """None when the request is signed as the behavior asks; else (code, message) of the 403.
    `keys`: public key id -> key, of the behavior's trusted key groups; `path` as the viewer
    sent it."""
    now = time.time() if now is None else now
    pairs = parse_qsl(request.query, keep_blank_values=True)
    values, from_url = _signing_values(request, pairs)
    key_id = values.get("Key-Pair-Id")
    if not key_id:
        return MISSING_KEY
    if key_id not in keys:
        return INVALID_KEY
    algorithm = values.get("Hash-Algorithm") or "SHA1"
    if algorithm not in HASHES or not values.get("Signature"):
        return DENIED
    url = resource_url(scheme, host, path, request.query, from_url)
    if values.get("Policy"):
        try:
            policy_text = _b64(values["Policy"])
            statement = parse_json(policy_text)["Statement"][0]
            condition = statement["Condition"]
            less_than = float(condition["DateLessThan"]["AWS:EpochTime"])
            greater_than = float(condition["DateGreaterThan"]["AWS:EpochTime"]) \
                if "DateGreaterThan" in condition else None
            network = ipaddress.ip_network(condition["IpAddress"]["AWS:SourceIp"],
                                           strict=False) if "IpAddress" in condition else None
            resource = statement.get("Resource")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError):
            return MALFORMED
    elif values.get("Expires", "").isdigit():
        less_than, greater_than, network, resource = int(values["Expires"]), None, None, url
        policy_text = ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":'
                       '{"AWS:EpochTime":%d}}}]}' % (url, less_than)).encode()
    else:
        return DENIED
    try:
        signature = _b64(values["Signature"])
    except ValueError:
        return DENIED
    if not _verified(keys[key_id], signature, policy_text, algorithm):
        return DENIED
    if now >= less_than or (greater_than is not None and now < greater_than):
        return DENIED
    if network is not None and ipaddress.ip_address(request.client_ip) not in network:
        return DENIED
    if resource is not None and not _matches(str(resource), url):
        return DENIED
    return None
