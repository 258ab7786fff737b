"""The emulator on a CDK app that uses every CloudFront feature it emulates (apps/features_app).

One synth per run, one emulator for the module; each test uses its own paths or query values,
so the shared cache does not couple them.
"""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from edge_persist.emulator.cloudfront.distribution import REGION_HEADER
from edge_persist.emulator.server import Emulator
from tests.integration.apps import features_app
from tests.integration.fixed_origin import FixedOrigin

US, EU = "us-east-1", "eu-west-3"


@pytest.fixture(scope="module")
def primary():
    """The origin group's primary: answers 503 and remembers what it was sent."""
    server = FixedOrigin(503)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def emu(feature_assembly, moto_url, primary):
    emulator = Emulator(feature_assembly, moto_url, [US, EU],
                        origins={features_app.PRIMARY_DOMAIN: primary.url}).start()
    yield emulator
    emulator.stop()


def get(emu, path, region=US, **kwargs):
    headers = {REGION_HEADER: region, **kwargs.pop("headers", {})}
    return requests.get(emu.url + path, headers=headers, timeout=30, **kwargs)


def counts(response):
    return {k.removeprefix("x-count-"): int(v) for k, v in response.headers.lower_items()
            if k.startswith("x-count-")}


def test_viewer_request_runs_on_hits_and_origin_request_does_not(emu):
    first, second = (get(emu, "/hits?v=1&cc=max-age%3D60") for _ in range(2))
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == (
        "Miss from cloudfront", "Hit from cloudfront")
    assert "Age" in second.headers and "Age" not in first.headers
    before, after = counts(first), counts(second)
    assert after["viewer-request"] == before["viewer-request"] + 1
    assert after["viewer-response"] == before["viewer-response"] + 1
    assert after["origin-request"] == before["origin-request"]
    assert after["origin-response"] == before["origin-response"]


def test_origin_response_changes_a_status(emu):
    response = get(emu, "/oresp?status=404")
    assert response.status_code == 200 and response.headers["x-oresp"] == "rewrote 404"


def test_viewer_response_is_skipped_on_a_404(emu):
    response = get(emu, "/plain?status=404")
    assert response.status_code == 404 and counts(response) == {}
    assert response.headers["X-Cache"] == "Error from cloudfront"


def test_a_response_generated_at_viewer_request_is_never_cached(emu):
    first, second = get(emu, "/vr-generated"), get(emu, "/vr-generated")
    assert first.text != second.text and first.text.startswith("generated at viewer-request")
    assert second.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    assert counts(second) == {}  # viewer-response does not run on it


def test_a_response_generated_at_origin_request_is_cached(emu):
    first, second = get(emu, "/or-generated"), get(emu, "/or-generated")
    assert first.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert first.text == second.text and first.text.startswith("generated at origin-request")


def test_include_body_is_truncated_at_1_mb_for_origin_request(emu):
    response = requests.post(emu.url + "/body/upload", data=b"x" * (1_200_000),
                             headers={REGION_HEADER: US}, timeout=60)
    seen = response.json()["headers"]
    assert response.status_code == 200 and seen["x-body-truncated"] == "True"
    assert seen["x-body-bytes"] == str(1 << 20)
    small = requests.post(emu.url + "/body/upload", data=b"y" * 10,
                          headers={REGION_HEADER: US}, timeout=30).json()["headers"]
    assert small["x-body-truncated"] == "False" and small["x-body-bytes"] == "10"


def test_behaviors_are_tried_in_declared_order(emu):
    response = get(emu, "/api/special")  # /api/* comes first, so no "narrow behavior"
    assert response.status_code == 200 and response.json()["path"] == "/api/special"


def test_question_mark_matches_one_character_and_patterns_are_case_sensitive(emu):
    assert get(emu, "/fileA.txt").text == "file A from the bucket\n"
    assert get(emu, "/fileAB.txt").json()["path"] == "/fileAB.txt"  # the default behavior
    assert get(emu, "/CaseFile").text == "case file\n"
    assert get(emu, "/casefile").json()["path"] == "/casefile"


def test_cache_key_and_ttl_come_from_the_policy_and_cache_control(emu):
    first = get(emu, "/ttl?v=1&cc=max-age%3D2")
    assert get(emu, "/ttl?v=1&cc=ignored").headers["X-Cache"] == "Hit from cloudfront"  # cc is not in the key
    assert get(emu, "/ttl?v=2&cc=max-age%3D2").headers["X-Cache"] == "Miss from cloudfront"
    assert get(emu, "/ttl?v=3").headers["X-Cache"] == "Miss from cloudfront"
    assert get(emu, "/ttl?v=3").headers["X-Cache"] == "Miss from cloudfront"  # no-store
    time.sleep(2.2)
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert get(emu, "/ttl?v=1&cc=max-age%3D2").headers["X-Cache"] == "Miss from cloudfront"


def test_each_region_has_its_own_cache(emu):
    path = "/regional?v=1&cc=max-age%3D60"
    assert get(emu, path, EU).headers["X-Cache"] == "Miss from cloudfront"
    assert get(emu, path, EU).headers["X-Cache"] == "Hit from cloudfront"
    assert get(emu, path, US).headers["X-Cache"] == "Miss from cloudfront"


def test_an_invalidation_through_botocore_empties_the_cache(emu):
    path = "/inv/page?v=1&cc=max-age%3D60"
    get(emu, path)
    assert get(emu, path).headers["X-Cache"] == "Hit from cloudfront"
    client = boto3.client("cloudfront", endpoint_url=emu.api_url, region_name=US,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    answer = client.create_invalidation(DistributionId=emu.distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/inv/*"]}, "CallerReference": "test"})
    assert answer["Invalidation"]["Status"] == "Completed"
    assert get(emu, path).headers["X-Cache"] == "Miss from cloudfront"


def test_an_s3_origin_filled_by_bucket_deployment_honours_origin_path(emu):
    response = get(emu, "/fileA.txt")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/plain"
    missing = get(emu, "/fileZ.txt")  # OAC grants s3:GetObject only: S3 says 403
    assert missing.status_code == 403 and b"AccessDenied" in missing.content


def test_a_function_url_origin_gets_the_payload_2_event(emu):
    body = get(emu, "/echo/me?v=7&x=1").json()
    assert body == {**body, "path": "/echo/me", "query": "v=7&x=1", "method": "GET"}
    assert body["headers"]["via"].endswith("(CloudFront)")


def test_an_origin_group_fails_over_and_runs_origin_request_again(emu, primary):
    response = get(emu, "/api/items")
    assert response.status_code == 200 and response.json()["path"] == "/api/items"
    first_try = int(primary.seen[-1]["x-or-count"])
    assert int(response.json()["headers"]["x-or-count"]) == first_try + 1


def test_a_method_the_behavior_does_not_allow_gets_403(emu):
    response = requests.post(emu.url + "/", data=b"x", headers={REGION_HEADER: US}, timeout=30)
    assert response.status_code == 403 and response.headers["X-Cache"] == "Error from cloudfront"


def test_past_the_regions_concurrency_limit_requests_get_503(emu):
    emu.throttle.limit = 1
    try:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda i: get(emu, f"/slow/{i}"), range(4)))
    finally:
        emu.throttle.limit = 1000
    statuses = sorted(a.status_code for a in answers)
    assert 200 in statuses and 503 in statuses
    throttled = [a for a in answers if a.status_code == 503]
    assert all(a.headers["X-Cache"] == "LambdaLimitExceeded from CloudFront" for a in throttled)


def test_geo_restriction_keeps_a_blocked_country_out(emu):
    blocked = get(emu, "/geo?v=g1", headers={"x-emulator-viewer-country": "KP"})
    assert blocked.status_code == 403 and blocked.headers["X-Cache"] == "Error from cloudfront"
    assert get(emu, "/geo?v=g1", headers={"x-emulator-viewer-country": "FR"}).status_code == 200
    assert not any("GeoRestriction" in w for w in emu.warnings)


def test_outputs_name_every_distribution_bucket_and_endpoint(emu, moto_url):
    outputs = emu.outputs()
    block = outputs["Emulator"]
    assert block["Distributions"] == {"DistB3B78991": emu.url}
    assert list(block["Buckets"]) == ["SiteE53D7754"] and block["LogsEndpoint"] == moto_url
    assert outputs[features_app.STACK]["DistributionUrl"] == emu.url
    json.dumps(outputs)


def test_a_cached_head_answer_never_serves_a_get(emu):
    path = "/head-then-get?v=1&cc=max-age%3D60"
    head = requests.head(emu.url + path, headers={REGION_HEADER: US}, timeout=30)
    assert head.status_code == 200 and head.content == b""
    get_answer = get(emu, path)  # a HEAD from a real origin has no body: never reuse it
    assert get_answer.headers["X-Cache"] == "Miss from cloudfront"
    assert get_answer.json()["path"] == "/head-then-get"


def test_one_request_id_from_the_origin_to_the_viewer(emu):
    response = get(emu, f"/request-id?v={time.time_ns()}")
    seen = response.json()["headers"]
    assert seen["x-amz-cf-id"] == response.headers["X-Amz-Cf-Id"]
    again = get(emu, f"/request-id?v={time.time_ns()}")
    assert again.headers["X-Amz-Cf-Id"] != response.headers["X-Amz-Cf-Id"]
    assert again.headers["Via"] == response.headers["Via"]  # one edge server per region
