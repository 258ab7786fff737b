"""Every template feature the emulator reads past is said at start, naming its resource."""
import pytest

from edge_persist.emulator.cloudfront import unsupported


@pytest.mark.parametrize("key, value", [
    ("WebACLId", "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"),
    ("ContinuousDeploymentPolicyId", "abc"), ("Staging", True),
    ("ViewerMtlsConfig", {"Mode": "required"}), ("ConnectionMode", "tenant-only")])
def test_each_distribution_feature_is_one_line_naming_the_distribution(key, value):
    lines = unsupported.distribution("MyDist", {key: value})
    assert len(lines) == 1 and lines[0].startswith("MyDist: ") and key in lines[0]


@pytest.mark.parametrize("key, value", [
    ("TrustedSigners", ["self"]), ("FieldLevelEncryptionId", "fle"),
    ("RealtimeLogConfigArn", "arn:rt"), ("SmoothStreaming", True),
    ("GrpcConfig", {"Enabled": True})])
def test_each_behavior_feature_is_one_line_naming_the_behavior(key, value):
    lines = unsupported.behavior("MyDist", {"PathPattern": "/api/*", key: value})
    assert len(lines) == 1 and "behavior /api/*" in lines[0] and key in lines[0]


def test_settings_the_emulator_keeps_say_nothing():
    assert unsupported.distribution("D", {"Staging": False, "ConnectionMode": "direct",
                                          "WebACLId": ""}) == []
    assert unsupported.behavior("D", {"GrpcConfig": {"Enabled": False},
                                      "TrustedKeyGroups": ["kg"]}) == []
    origin_shield = unsupported.distribution("D", {"Origins": [
        {"Id": "o", "OriginShield": {"Enabled": True}}]})
    assert len(origin_shield) == 1 and "Origin Shield" in origin_shield[0]
