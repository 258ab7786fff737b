"""Signed URLs and signed cookies with key groups, signed by botocore's CloudFrontSigner as an
application would sign them: the feature app's /private/* behavior trusts a key group of an
RSA and an ECDSA key, whose private halves the app wrote beside its template."""
import base64
import datetime
import json

import requests
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from edge_persist.emulator.cloudfront import signed_urls
from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from tests.integration.apps import features_app

HOUR = datetime.timedelta(hours=1)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def private_key(feature_assembly, kind):
    return serialization.load_pem_private_key(
        (feature_assembly / features_app.SIGNING_KEYS[kind]).read_bytes(), None)


def signer(emu, feature_assembly, kind="RsaKey", algorithm=hashes.SHA1):
    key = private_key(feature_assembly, kind)

    def sign(message):
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(message, padding.PKCS1v15(), algorithm())
        return key.sign(message, ec.ECDSA(algorithm()))
    key_id = emu.outputs()[features_app.STACK][f"{kind}Id"]  # the PublicKey's Ref
    return CloudFrontSigner(key_id, sign), sign, key_id


def fetch(url, **kwargs):
    return requests.get(url, headers={REGION_HEADER: "us-east-1"}, timeout=30, **kwargs)


def safe_b64(data):
    return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def test_a_request_without_a_signature_gets_403(emu):
    """Page: Serve private content with signed URLs and signed cookies
    Rule: when a cache behavior requires signed URLs or signed cookies (trusted key groups),
    a request with neither gets 403 (Forbidden)."""
    answer = fetch(emu.url + "/private/file")
    assert answer.status_code == 403
    assert "<Code>MissingKey</Code>" in answer.text
    assert fetch(emu.url + "/?v=public").status_code == 200  # other behaviors sign nothing


def test_a_canned_policy_url_is_served_until_it_expires(emu, feature_assembly):
    """Page: Create a signed URL using a canned policy
    Rule: a URL signed with a canned policy (Expires, Signature, Key-Pair-Id) is served until
    its Expires time; after it, CloudFront answers 403."""
    cf, _, _ = signer(emu, feature_assembly)
    good = cf.generate_presigned_url(emu.url + "/private/doc?size=large",
                                     date_less_than=now() + HOUR)
    answer = fetch(good)
    assert answer.status_code == 200, answer.text
    assert json.loads(answer.text)["path"] == "/private/doc"
    expired = cf.generate_presigned_url(emu.url + "/private/doc",
                                        date_less_than=now() - datetime.timedelta(seconds=5))
    assert fetch(expired).status_code == 403


def test_a_signed_url_covers_only_the_url_it_was_signed_for(emu, feature_assembly):
    """Page: Create a signed URL using a canned policy
    Rule: CloudFront compares the signature with the policy statement: a URL changed after
    signing (another path or query string) gets 403."""
    cf, _, _ = signer(emu, feature_assembly)
    signed = cf.generate_presigned_url(emu.url + "/private/a?size=large",
                                       date_less_than=now() + HOUR)
    assert fetch(signed).status_code == 200
    assert fetch(signed.replace("/private/a", "/private/b")).status_code == 403
    assert fetch(signed.replace("size=large", "size=small")).status_code == 403


def test_a_custom_policy_with_wildcards_dates_and_ip(emu, feature_assembly):
    """Page: Create a signed URL using a custom policy
    Rule: a custom policy's Resource may use * and ?; DateLessThan is required, and
    DateGreaterThan and IpAddress (AWS:SourceIp) restrict when and from where the URL works."""
    cf, _, _ = signer(emu, feature_assembly)
    everything = cf.build_policy(emu.url + "/private/*", now() + HOUR)
    for path in ("/private/x", "/private/y/z?q=1"):
        assert fetch(cf.generate_presigned_url(emu.url + path, policy=everything)
                     ).status_code == 200
    one_char = cf.build_policy(emu.url + "/private/?", now() + HOUR)
    assert fetch(cf.generate_presigned_url(emu.url + "/private/a", policy=one_char)
                 ).status_code == 200
    assert fetch(cf.generate_presigned_url(emu.url + "/private/ab", policy=one_char)
                 ).status_code == 403
    later = cf.build_policy(emu.url + "/private/*", now() + 2 * HOUR,
                            date_greater_than=now() + HOUR)
    assert fetch(cf.generate_presigned_url(emu.url + "/private/x", policy=later)
                 ).status_code == 403
    for network, status in (("10.0.0.0/8", 403), ("127.0.0.0/8", 200)):
        from_ip = cf.build_policy(emu.url + "/private/*", now() + HOUR, ip_address=network)
        assert fetch(cf.generate_presigned_url(emu.url + "/private/x", policy=from_ip)
                     ).status_code == status


def test_an_unknown_key_or_a_bad_signature_gets_403(emu, feature_assembly):
    """Page: Specify signers that can create signed URLs and signed cookies
    Rule: CloudFront checks the signature with the public key named by Key-Pair-Id, which
    must be in one of the behavior's trusted key groups."""
    _, sign, _ = signer(emu, feature_assembly)
    stranger = CloudFrontSigner("K2JCJMDEHXQW5F", sign)
    answer = fetch(stranger.generate_presigned_url(emu.url + "/private/x",
                                                   date_less_than=now() + HOUR))
    assert answer.status_code == 403 and "<Code>InvalidKey</Code>" in answer.text
    other_rsa = rsa.generate_private_key(65537, 2048)
    forged = CloudFrontSigner(emu.outputs()[features_app.STACK]["RsaKeyId"],
                              lambda m: other_rsa.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    assert fetch(forged.generate_presigned_url(emu.url + "/private/x",
                                               date_less_than=now() + HOUR)
                 ).status_code == 403


def test_ecdsa_keys_and_sha256(emu, feature_assembly):
    """Page: Create a signed URL using a canned policy
    Rule: Hash-Algorithm=SHA256 says the signature hashes with SHA-256 (SHA-1 otherwise); the
    key may be RSA or ECDSA."""
    cf, _, _ = signer(emu, feature_assembly, "EcKey", hashes.SHA256)
    signed = cf.generate_presigned_url(emu.url + "/private/ec", date_less_than=now() + HOUR)
    assert fetch(signed).status_code == 403  # signed with SHA-256, but not said so
    assert fetch(signed + "&Hash-Algorithm=SHA256").status_code == 200


def test_signed_cookies_and_the_url_taking_precedence(emu, feature_assembly):
    """Page: Use signed cookies
    Rule: signed cookies (CloudFront-Policy or CloudFront-Expires, CloudFront-Signature,
    CloudFront-Key-Pair-Id) give access to every URL their policy covers; with both a signed
    URL and signed cookies, the signed URL alone decides."""
    cf, sign, key_id = signer(emu, feature_assembly)
    policy = cf.build_policy(emu.url + "/private/*", now() + HOUR).encode()
    cookies = {"CloudFront-Policy": safe_b64(policy),
               "CloudFront-Signature": safe_b64(sign(policy)),
               "CloudFront-Key-Pair-Id": key_id}
    for path in ("/private/one", "/private/two?x=1"):
        assert fetch(emu.url + path, cookies=cookies).status_code == 200
    expires = int((now() + HOUR).timestamp())
    canned = ('{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'
              % (emu.url + "/private/canned", expires)).encode()
    assert fetch(emu.url + "/private/canned", cookies={
        "CloudFront-Expires": str(expires), "CloudFront-Signature": safe_b64(sign(canned)),
        "CloudFront-Key-Pair-Id": key_id}).status_code == 200
    expired_url = cf.generate_presigned_url(emu.url + "/private/one",
                                            date_less_than=now() - HOUR)
    assert fetch(expired_url, cookies=cookies).status_code == 403


def test_a_public_keys_ref_is_its_local_id_in_the_outputs(emu):
    """Page: Specify signers that can create signed URLs and signed cookies
    Rule: the Key-Pair-Id of a signed URL is the ID of the public key in the key group (the
    public key's Ref), which the outputs file carries for the signer."""
    ids = {emu.outputs()[features_app.STACK][f"{kind}Id"] for kind in features_app.SIGNING_KEYS}
    assert len(ids) == 2
    assert all(key_id.startswith("K") and len(key_id) == 14 and key_id.isalnum()
               and key_id.isupper() for key_id in ids)
    template = json.loads((emu.model.path).read_text())
    logical = [k for k, v in template["Resources"].items()
               if v["Type"] == "AWS::CloudFront::PublicKey"]
    assert ids == {signed_urls.local_key_id(features_app.STACK, k) for k in logical}
