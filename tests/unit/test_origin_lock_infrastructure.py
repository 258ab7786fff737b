"""The origin lock: only CloudFront's addresses, only with the per-deployment secret."""
import json

import pytest


def of_type(template_json, type_name):
    return [v for v in template_json["Resources"].values() if v["Type"] == type_name]


def test_alb_ingress_is_the_cloudfront_prefix_list_only(template_json):
    groups = of_type(template_json, "AWS::EC2::SecurityGroup")
    ingress = of_type(template_json, "AWS::EC2::SecurityGroupIngress")
    inline = [rule for g in groups for rule in g["Properties"].get("SecurityGroupIngress", [])]
    assert inline == []
    (rule,) = ingress
    props = rule["Properties"]
    assert props["SourcePrefixListId"]["Fn::GetAtt"][1] == "PrefixLists.0.PrefixListId"
    assert (props["FromPort"], props["ToPort"]) == (80, 80)
    assert "CidrIp" not in props and "CidrIpv6" not in props


def test_prefix_list_is_looked_up_at_deploy_time(template_json):
    (lookup,) = of_type(template_json, "Custom::AWS")
    call = json.dumps(lookup["Properties"])
    assert "describeManagedPrefixLists" in call
    assert "com.amazonaws.global.cloudfront.origin-facing" in call


@pytest.fixture(scope="module")
def secret_reference(template_json):
    (dist,) = of_type(template_json, "AWS::CloudFront::Distribution")
    (origin,) = dist["Properties"]["DistributionConfig"]["Origins"]
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"] == "x-origin-verify"
    return header["HeaderValue"]


def test_listener_forwards_only_on_the_secret_header(template_json, secret_reference):
    (rule,) = of_type(template_json, "AWS::ElasticLoadBalancingV2::ListenerRule")
    (condition,) = rule["Properties"]["Conditions"]
    assert condition["Field"] == "http-header"
    assert condition["HttpHeaderConfig"] == {"HttpHeaderName": "x-origin-verify",
                                             "Values": [secret_reference]}
    assert rule["Properties"]["Actions"][0]["Type"] == "forward"


def test_listener_default_is_a_fixed_403(template_json):
    (listener,) = of_type(template_json, "AWS::ElasticLoadBalancingV2::Listener")
    (action,) = listener["Properties"]["DefaultActions"]
    assert action["Type"] == "fixed-response"
    assert action["FixedResponseConfig"]["StatusCode"] == "403"


def test_the_secret_is_generated_per_deployment_never_a_literal(template_json, secret_reference):
    joined = "".join(p if isinstance(p, str) else "<ref>"
                     for p in secret_reference["Fn::Join"][1])
    assert joined == "{{resolve:secretsmanager:<ref>:SecretString:::}}"
    (secret,) = of_type(template_json, "AWS::SecretsManager::Secret")
    assert "SecretString" not in secret["Properties"]
    generated = secret["Properties"]["GenerateSecretString"]
    # ALB header conditions treat * and ? as wildcards: no punctuation in the secret.
    assert generated["ExcludePunctuation"] is True and generated["PasswordLength"] >= 32
