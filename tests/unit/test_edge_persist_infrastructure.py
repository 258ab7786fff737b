"""The synthesized template: every property issue 2 asks for, pinned."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from edge_persist import preflight
from edge_persist.cfn import asset_folder
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def template(template_json):
    return Template.from_json(template_json)


def resources(template_json, type_name):
    return {k: v for k, v in template_json["Resources"].items() if v["Type"] == type_name}


def only(template_json, type_name):
    found = resources(template_json, type_name)
    assert len(found) == 1, f"expected one {type_name}, found {list(found)}"
    return next(iter(found.items()))


def test_stack_is_in_us_east_1(cloud_assembly):
    manifest = json.loads((cloud_assembly / "manifest.json").read_text())
    env = manifest["artifacts"]["EdgePersistStack"]["environment"]
    assert env.endswith("/us-east-1")


def test_vpc_two_public_subnets_no_nat(template):
    template.resource_count_is("AWS::EC2::Subnet", 2)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.has_resource_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": True})


def test_internet_facing_alb_with_http_80_and_lambda_target(template):
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer",
                                     {"Scheme": "internet-facing", "Type": "application"})
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener",
                                     {"Port": 80, "Protocol": "HTTP"})
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::TargetGroup", {
        "TargetType": "lambda",
        "Targets": [{"Id": {"Fn::GetAtt": [Match.string_like_regexp("^OriginFunction"), "Arn"]}}]})
    template.has_resource_properties("AWS::Lambda::Permission", {
        "Principal": "elasticloadbalancing.amazonaws.com", "Action": "lambda:InvokeFunction"})


def test_origin_function_and_its_log_group(template_json):
    _, fn = next((k, v) for k, v in resources(template_json, "AWS::Lambda::Function").items()
                 if k.startswith("OriginFunction"))
    props = fn["Properties"]
    assert (props["Runtime"], props["Architectures"]) == ("python3.13", ["x86_64"])
    _, group = only(template_json, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] > 0
    assert group["DeletionPolicy"] == "Delete"
    assert group["Properties"]["LogGroupName"] == "/aws/lambda/EdgePersistStack-origin"
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": next(iter(resources(
        template_json, "AWS::Logs::LogGroup")))}


@pytest.fixture(scope="module")
def edge_function(template_json):
    return next(v for k, v in resources(template_json, "AWS::Lambda::Function").items()
                if k.startswith("EdgeFunction"))


def test_edge_function_properties(edge_function):
    props = edge_function["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["x86_64"]
    assert props["MemorySize"] == 128
    assert props["Timeout"] <= 5
    assert props["FunctionName"] == "EdgePersistStack-edge"
    assert "Environment" not in props
    assert edge_function["DeletionPolicy"] == "Retain"


def test_one_retained_version_is_associated_as_origin_request_and_response(template_json):
    version_id, version = only(template_json, "AWS::Lambda::Version")
    assert version["DeletionPolicy"] == "Retain"
    _, dist = only(template_json, "AWS::CloudFront::Distribution")
    behavior = dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["LambdaFunctionAssociations"] == [
        {"EventType": "origin-request", "LambdaFunctionARN": {"Ref": version_id}},
        {"EventType": "origin-response", "LambdaFunctionARN": {"Ref": version_id}}]


def test_the_edge_asset_carries_the_session_settings_as_config_json(template_path, tmp_path):
    from stacks.edge import _WithConfig
    template = json.loads(template_path.read_text())
    (edge,) = [v for v in template["Resources"].values()
               if v["Type"] == "AWS::Lambda::Function"
               and v["Properties"].get("FunctionName") == "EdgePersistStack-edge"]
    folder = asset_folder(template_path, edge)
    assert json.loads((folder / "config.json").read_text()) == {}  # no context: defaults
    assert (folder / "handler.py").is_file() and "Environment" not in edge["Properties"]
    assert _WithConfig(ROOT / "lambda_edge", {"sessionBudgetMb": 2.0}).try_bundle(str(tmp_path))
    assert json.loads((tmp_path / "config.json").read_text()) == {"sessionBudgetMb": 2.0}


@pytest.mark.parametrize("context, words", [
    ({"sessionBudgetMb": "lots"}, "must be a number"), ({"sessionTtlSeconds": 0}, "above 0")])
def test_session_settings_come_from_context_and_bad_ones_are_refused(context, words):
    from app import session_config
    assert session_config({"sessionBudgetMb": "8", "sessionTtlSeconds": 60}.get) == {
        "sessionBudgetMb": 8.0, "sessionTtlSeconds": 60.0}
    from app import build_app
    with pytest.raises(ValueError, match=words):
        build_app(context=context)


def test_edge_role_trusts_both_services_and_logs_in_every_region(template_json, edge_function):
    role_id = edge_function["Properties"]["Role"]["Fn::GetAtt"][0]
    role = template_json["Resources"][role_id]
    statements = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    principals = {s["Principal"]["Service"] for s in statements}
    assert principals == {"lambda.amazonaws.com", "edgelambda.amazonaws.com"}
    policy = next(v for v in resources(template_json, "AWS::IAM::Policy").values()
                  if {"Ref": role_id} in v["Properties"]["Roles"])
    text = json.dumps(policy["Properties"]["PolicyDocument"])
    assert "arn:aws:logs:*:" in text and "/aws/lambda/us-east-1.EdgePersistStack-edge" in text


def test_cache_policy_all_ttls_zero_and_nothing_in_cache_key(template_json):
    _, policy = only(template_json, "AWS::CloudFront::CachePolicy")
    config = policy["Properties"]["CachePolicyConfig"]
    assert (config["MinTTL"], config["DefaultTTL"], config["MaxTTL"]) == (0, 0, 0)
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"]["HeaderBehavior"] == "none"
    assert key["CookiesConfig"]["CookieBehavior"] == "none"
    assert key["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    assert not key["EnableAcceptEncodingGzip"] and not key["EnableAcceptEncodingBrotli"]


def test_origin_request_policy_forwards_all_viewer_headers_and_query(template_json):
    _, policy = only(template_json, "AWS::CloudFront::OriginRequestPolicy")
    config = policy["Properties"]["OriginRequestPolicyConfig"]
    assert config["HeadersConfig"]["HeaderBehavior"] == "allViewer"
    assert config["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    # The session cookie reaches the edge function; the cache key stays empty (above).
    assert config["CookiesConfig"] == {"CookieBehavior": "whitelist", "Cookies": ["ep_session"]}


def test_distribution_settings(template_json):
    _, dist = only(template_json, "AWS::CloudFront::Distribution")
    config = dist["Properties"]["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["PriceClass"] == "PriceClass_100"
    assert config["HttpVersion"] == "http2and3"
    (origin,) = config["Origins"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    alb_id, attribute = origin["DomainName"]["Fn::GetAtt"]
    assert attribute == "DNSName"
    assert template_json["Resources"][alb_id]["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer"


def test_a_key_value_store_starts_with_data_to_persist(template_json, cloud_assembly):
    from edge_persist import contract, kvs_import
    from edge_persist.cfn_values import Values
    _, store = only(template_json, "AWS::CloudFront::KeyValueStore")
    props = store["Properties"]
    assert props["Name"] == "EdgePersistStack-kvs"
    assert props["ImportSource"]["SourceType"] == "S3"
    path = kvs_import.import_file(cloud_assembly / "EdgePersistStack.template.json",
                                  Values(template_json).scalars(props["ImportSource"]["SourceArn"])[0])
    assert kvs_import.read_import(path) == {contract.KVS_KEY: "initial"}


def test_the_viewer_function_reads_the_store_on_viewer_request(template_json):
    from edge_persist import contract
    store_id, _ = only(template_json, "AWS::CloudFront::KeyValueStore")
    fn_id, fn = only(template_json, "AWS::CloudFront::Function")
    props = fn["Properties"]
    assert props["Name"] == "EdgePersistStack-viewer" and props["AutoPublish"] is True
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert props["FunctionConfig"]["KeyValueStoreAssociations"] == [
        {"KeyValueStoreARN": {"Fn::GetAtt": [store_id, "Arn"]}}]
    for name in (contract.KVS_KEY, contract.HEADER_KVS_VALUE, contract.HEADER_KVS_REGION):
        assert f"'{name}'" in props["FunctionCode"]
    _, dist = only(template_json, "AWS::CloudFront::Distribution")
    behavior = dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behavior["FunctionAssociations"] == [
        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [fn_id, "FunctionARN"]}}]
    # beside, not instead of, the edge function on the origin events
    assert [a["EventType"] for a in behavior["LambdaFunctionAssociations"]] == [
        "origin-request", "origin-response"]


def test_the_stack_composes_one_construct_per_component():
    import aws_cdk as cdk
    from stacks.edge_persist_stack import EdgePersistStack
    stack = EdgePersistStack(cdk.App(), "Composed", env=cdk.Environment(region="us-east-1"))
    assert stack.origin.alb and stack.origin.function and stack.origin.vpc and stack.origin.secret
    assert stack.edge.version.version and stack.kvs.store and stack.kvs.function
    assert stack.cdn.distribution
    assert [c.node.id for c in stack.node.children if c.node.id in (
        "Origin", "Edge", "Kvs", "Cdn")] == ["Origin", "Edge", "Kvs", "Cdn"]


def test_outputs(template_json):
    from edge_persist.contract import OUTPUT_KEYS
    assert set(template_json["Outputs"]) == set(OUTPUT_KEYS)


def test_passes_cfn_lint(template_path):
    """cfn-lint alone, with the configuration preflight carries (CDK's own W3005 off)."""
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--config-file", str(preflight.CONFIG),
                             str(template_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cdk_nag_leaves_no_unacknowledged_finding(cloud_assembly):
    # synth raises ValidationFailed on an unacknowledged error; warnings must be absent too.
    report_path = cloud_assembly / "validation-report.json"
    if report_path.exists():
        report = json.loads(report_path.read_text())
        violations = [v for plugin in report.get("pluginReports", [])
                      for v in plugin.get("violations", [])]
        assert violations == []


def test_standard_logging_v2_parquet_to_s3_in_hive_partitions(cloud_assembly_with_logs):
    """accessLogs=legacy,v2 ("Configure standard logging (v2)"): a delivery source for the
    distribution (ACCESS_LOGS), a Parquet destination under the bucket's v2 prefix, a delivery
    with Hive-compatible hourly partitions; the bucket lets the log delivery service write
    there, for this account's sources only; cookies logged for v2 as for legacy."""
    from stacks.access_logs import V2_FIELDS, V2_PREFIX, V2_SUFFIX_PATH
    found = json.loads((cloud_assembly_with_logs / "EdgePersistStack.template.json").read_text())
    _, source = only(found, "AWS::Logs::DeliverySource")
    _, destination = only(found, "AWS::Logs::DeliveryDestination")
    _, delivery = only(found, "AWS::Logs::Delivery")
    dist_id, dist = only(found, "AWS::CloudFront::Distribution")
    assert source["Properties"]["LogType"] == "ACCESS_LOGS"
    assert {"Ref": dist_id} in source["Properties"]["ResourceArn"]["Fn::Join"][1]
    assert destination["Properties"]["OutputFormat"] == "parquet"
    assert destination["Properties"]["DestinationResourceArn"]["Fn::Join"][1][-1] == \
        f"/{V2_PREFIX}"
    props = delivery["Properties"]
    assert props["DeliverySourceName"] == source["Properties"]["Name"]
    assert props["S3EnableHiveCompatiblePath"] is True and props["S3SuffixPath"] == V2_SUFFIX_PATH
    assert props["RecordFields"] == V2_FIELDS
    policy_id, policy = only(found, "AWS::S3::BucketPolicy")
    assert policy_id in delivery["DependsOn"]
    (write,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
                if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}]
    assert write["Action"] == "s3:PutObject" and write["Condition"]["StringEquals"][
        "s3:x-amz-acl"] == "bucket-owner-full-control"
    assert dist["Properties"]["DistributionConfig"]["Logging"]["IncludeCookies"] is True
    assert {"AccessLogsUrl", "AccessLogsV2Url"} <= set(found["Outputs"])


def test_v2_alone_logs_cookies_without_a_legacy_bucket(tmp_path):
    from app import build_app
    build_app(outdir=str(tmp_path), context={"accessLogs": "v2"}).synth()
    found = json.loads((tmp_path / "EdgePersistStack.template.json").read_text())
    _, dist = only(found, "AWS::CloudFront::Distribution")
    assert dist["Properties"]["DistributionConfig"]["Logging"] == {"IncludeCookies": True}
    assert "AccessLogsV2Url" in found["Outputs"] and "AccessLogsUrl" not in found["Outputs"]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--config-file", str(preflight.CONFIG),
                             str(tmp_path / "EdgePersistStack.template.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", ["yes", "v3", "legacy,v1"])
def test_an_unknown_access_logs_value_is_refused(value):
    from app import build_app
    with pytest.raises(ValueError, match="accessLogs must be"):
        build_app(context={"accessLogs": value})
