"""10,000 requests at concurrency 16 while environments are killed at random."""
import pytest

from bench.load_faults import run_load


@pytest.mark.slow
def test_no_request_is_lost_and_every_failure_is_cloudfront_shaped(emulator, moto_url):
    report = run_load(emulator(), moto_url, requests=10_000, concurrency=16)
    print(f"\nload with faults: {report['requests']} requests in {report['seconds']} s, "
          f"{report['kills']} environments killed, statuses {report['statuses']}, "
          f"failures by X-Cache {report['x_cache_of_failures']}")
    assert report["requests"] == 10_000
    assert report["kills"] > 0
    assert report["ok_without_log"] == []
    assert report["failures_not_cloudfront_shaped"] == []
    assert report["statuses"].get(200, 0) > 9_000
