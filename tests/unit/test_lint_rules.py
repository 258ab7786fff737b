"""Each Lambda@Edge lint rule on a failing and a passing template fragment."""
import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.template import Template

from edge_persist import preflight
from tests.conftest import ROOT, edited_copy

_spec = importlib.util.spec_from_file_location("lambda_edge_rules",
                                               preflight.RULES_DIR / "lambda_edge.py")
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)
CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))

BASE = {
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
                "Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]}}]}}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "handler.handler", "MemorySize": 128,
            "Timeout": 5, "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(e, c): return e"}}},
        "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Subnets": ["subnet-1", "subnet-2"]}},
        "Http": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "Alb"}, "Port": 80, "Protocol": "HTTP",
            "DefaultActions": [{"Type": "fixed-response",
                                "FixedResponseConfig": {"StatusCode": "403"}}]}},
        "ZeroTtl": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
            "Name": "zero", "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 0,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}},
        "Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Origins": [{"Id": "alb", "DomainName": {"Fn::GetAtt": ["Alb", "DNSName"]},
                         "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}],
            "DefaultCacheBehavior": {
                "TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": {"Ref": "ZeroTtl"},
                "LambdaFunctionAssociations": [{"EventType": "origin-request",
                                                "LambdaFunctionARN": {"Ref": "Version"}}]}}}},
    }
}


def template(edit=None):
    data = copy.deepcopy(BASE)
    if edit:
        edit(data["Resources"])
    return data


def run(rule_class, data, region="us-east-1", filename=None):
    return [m.message for m in rule_class().match(Template(filename, data, [region]))]


def fn(resources):
    return resources["Fn"]["Properties"]


def association(resources):
    return resources["Dist"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"][
        "LambdaFunctionAssociations"][0]


def origin(resources):
    return resources["Dist"]["Properties"]["DistributionConfig"]["Origins"][0]


def key(resources):
    return resources["ZeroTtl"]["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"]


@pytest.mark.parametrize("rule", [
    rules.EdgeFunctionRegion, rules.EdgeNumberedVersion, rules.EdgeUnsupportedSettings,
    rules.EdgeDiscouragedSettings, rules.EdgeLimits, rules.EdgeRuntime, rules.EdgeRoleTrust,
    rules.ZeroTtlCacheKey, rules.AlbOriginProtocol, rules.IncludeBodyOnResponse,
    rules.EdgePackageSize, rules.DropInvalidHeaders])
def test_the_good_fragment_passes_every_rule(rule):
    assert run(rule, template()) == []


def test_e9101_function_outside_us_east_1():
    assert "must be created in us-east-1" in run(rules.EdgeFunctionRegion, template(),
                                                 region="eu-west-1")[0]
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f:3"
    data = template(lambda r: association(r).update(LambdaFunctionARN=arn))
    assert "eu-west-1" in run(rules.EdgeFunctionRegion, data)[0]


def _with_alias(resources):
    resources["Alias"] = {"Type": "AWS::Lambda::Alias", "Properties": {
        "FunctionName": {"Ref": "Fn"}, "FunctionVersion": "1", "Name": "live"}}
    association(resources)["LambdaFunctionARN"] = {"Ref": "Alias"}


def _latest_in_a_branch(resources):
    association(resources)["LambdaFunctionARN"] = {"Fn::If": [
        "IsProd", {"Ref": "Version"}, "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"]}


def _latest_in_a_sub(resources):
    association(resources)["LambdaFunctionARN"] = {"Fn::Sub": "${Fn.Arn}:$LATEST"}


@pytest.mark.parametrize("edit, words", [
    (lambda r: association(r).update(LambdaFunctionARN={"Fn::GetAtt": ["Fn", "Arn"]}),
     "unqualified ARN of the function Fn"),
    (lambda r: association(r).update(LambdaFunctionARN={"Ref": "Fn"}), "name of the function Fn"),
    (lambda r: association(r).update(
        LambdaFunctionARN="arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"),
     "names $LATEST"),
    (lambda r: association(r).update(
        LambdaFunctionARN="arn:aws:lambda:us-east-1:123456789012:function:f:live"), "names live"),
    (lambda r: association(r).update(
        LambdaFunctionARN="arn:aws:lambda:us-east-1:123456789012:function:f"), "names no version"),
    (_with_alias, "alias Alias"),
    (_latest_in_a_branch, "names $LATEST"),
    (_latest_in_a_sub, "ends in $LATEST"),
])
def test_e9102_unversioned_association(edit, words):
    (message,) = run(rules.EdgeNumberedVersion, template(edit))
    assert words in message and "current_version" in message


def _version_parameter(resources):
    association(resources)["LambdaFunctionARN"] = {"Ref": "EdgeVersionArn"}


def _custom_resource_version(resources):
    resources["Publish"] = {"Type": "Custom::LambdaCodeUpdate", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:publisher",
        "LambdaFunction": {"Fn::GetAtt": ["Fn", "Arn"]}}}
    association(resources)["LambdaFunctionARN"] = {"Fn::GetAtt": ["Publish", "FunctionArn"]}


def _associations_in_an_if(resources):
    behavior = resources["Dist"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    behavior["LambdaFunctionAssociations"] = {"Fn::If": [
        "HasEdge", behavior["LambdaFunctionAssociations"], {"Ref": "AWS::NoValue"}]}


@pytest.mark.parametrize("edit", [
    lambda r: association(r).update(
        LambdaFunctionARN="arn:aws:lambda:us-east-1:123456789012:function:f:12"),
    _version_parameter, _custom_resource_version, _associations_in_an_if,
    lambda r: association(r).update(LambdaFunctionARN={"Fn::ImportValue": "edge-version"}),
    lambda r: association(r).update(LambdaFunctionARN={"Fn::Join": [":", [
        {"Fn::GetAtt": ["Fn", "Arn"]}, {"Fn::GetAtt": ["Version", "Version"]}]]}),
], ids=["numbered literal", "parameter", "custom resource", "Fn::If list", "import", "join"])
def test_e9102_passes_what_may_be_a_numbered_version(edit):
    assert run(rules.EdgeNumberedVersion, template(edit)) == []


def test_a_function_published_by_a_custom_resource_is_still_checked():
    def edit(resources):
        _custom_resource_version(resources)
        fn(resources)["Runtime"] = "nodejs10.x"
    (message,) = run(rules.EdgeRuntime, template(edit))
    assert "nodejs10.x" in message


def test_both_branches_of_an_if_are_checked():
    def edit(resources):
        _associations_in_an_if(resources)
        fn(resources)["Environment"] = {"Variables": {"K": "v"}}
    (message,) = run(rules.EdgeUnsupportedSettings, template(edit))
    assert "environment variables" in message


@pytest.mark.parametrize("setting, words", [
    ({"Environment": {"Variables": {"K": "v"}}}, "environment variables"),
    ({"Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"]}, "layers"),
    ({"VpcConfig": {"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}}, "VPC"),
    ({"Architectures": ["arm64"]}, "x86_64"),
    ({"EphemeralStorage": {"Size": 1024}}, "512 MB"),
])
def test_e9103_unsupported_settings(setting, words):
    (message,) = run(rules.EdgeUnsupportedSettings, template(lambda r: fn(r).update(setting)))
    assert words in message and "Fn" in message


def test_e9103_provisioned_concurrency_on_the_version():
    data = template(lambda r: r["Version"]["Properties"].update(
        ProvisionedConcurrencyConfig={"ProvisionedConcurrentExecutions": 1}))
    assert "provisioned concurrency" in run(rules.EdgeUnsupportedSettings, data)[0]


def test_w9103_dead_letter_queue_and_tracing():
    data = template(lambda r: fn(r).update(DeadLetterConfig={"TargetArn": "arn:q"},
                                           TracingConfig={"Mode": "Active"}))
    messages = run(rules.EdgeDiscouragedSettings, data)
    assert len(messages) == 2 and "dead-letter" in messages[0] and "X-Ray" in messages[1]


def test_e9104_limits_depend_on_the_trigger():
    viewer = template(lambda r: (fn(r).update(MemorySize=256, Timeout=10),
                                 association(r).update(EventType="viewer-request")))
    assert len(run(rules.EdgeLimits, viewer)) == 2
    origin_ok = template(lambda r: fn(r).update(MemorySize=1024, Timeout=30))
    assert run(rules.EdgeLimits, origin_ok) == []
    origin_slow = template(lambda r: fn(r).update(Timeout=31))
    assert "at most 30 s" in run(rules.EdgeLimits, origin_slow)[0]


def test_e9105_runtime():
    assert "not supported" in run(rules.EdgeRuntime,
                                  template(lambda r: fn(r).update(Runtime="ruby3.3")))[0]
    assert "container images" in run(rules.EdgeRuntime,
                                     template(lambda r: fn(r).update(PackageType="Image")))[0]


def test_e9106_role_must_trust_edgelambda():
    def lambda_only(r):
        r["Role"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {
            "Service": "lambda.amazonaws.com"}
    assert "edgelambda.amazonaws.com" in run(rules.EdgeRoleTrust, template(lambda_only))[0]


@pytest.mark.parametrize("edit, words", [
    (lambda k: k["HeadersConfig"].update(HeaderBehavior="whitelist", Headers=["x"]),
     "HeaderBehavior"),
    (lambda k: k["CookiesConfig"].update(CookieBehavior="all"), "CookieBehavior"),
    (lambda k: k["QueryStringsConfig"].update(QueryStringBehavior="all"), "QueryStringBehavior"),
    (lambda k: k.update(EnableAcceptEncodingGzip=True), "EnableAcceptEncodingGzip"),
    (lambda k: k.update(EnableAcceptEncodingBrotli=True), "EnableAcceptEncodingBrotli"),
])
def test_e9107_zero_ttl_cache_key(edit, words):
    (message,) = run(rules.ZeroTtlCacheKey, template(lambda r: edit(key(r))))
    assert words in message and "ZeroTtl" in message


def test_e9107_allows_a_cache_key_when_caching_is_on():
    def cached(r):
        r["ZeroTtl"]["Properties"]["CachePolicyConfig"]["DefaultTTL"] = 60
        key(r)["QueryStringsConfig"]["QueryStringBehavior"] = "all"
    assert run(rules.ZeroTtlCacheKey, template(cached)) == []


@pytest.mark.parametrize("policy", ["https-only", "match-viewer"])
def test_e9108_https_to_an_alb_without_https_listener(policy):
    data = template(lambda r: origin(r)["CustomOriginConfig"].update(OriginProtocolPolicy=policy))
    assert "no HTTPS listener" in run(rules.AlbOriginProtocol, data)[0]

    def with_https(r):
        origin(r)["CustomOriginConfig"]["OriginProtocolPolicy"] = policy
        r["Https"] = {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "Alb"}, "Port": 443, "Protocol": "HTTPS"}}
    assert run(rules.AlbOriginProtocol, template(with_https)) == []


def test_e9109_include_body_on_a_response_trigger():
    data = template(lambda r: association(r).update(EventType="origin-response", IncludeBody=True))
    assert "IncludeBody" in run(rules.IncludeBodyOnResponse, data)[0]
    request = template(lambda r: association(r).update(IncludeBody=True))
    assert run(rules.IncludeBodyOnResponse, request) == []


def test_e9110_package_size_from_cdk_out(tmp_path):
    asset = tmp_path / "asset.abc"
    asset.mkdir()
    (asset / "handler.py").write_bytes(os.urandom(1_200_000))  # incompressible
    (tmp_path / "S.assets.json").write_text(json.dumps({"files": {"abc": {
        "source": {"path": "asset.abc", "packaging": "zip"}}}}))
    filename = str(tmp_path / "S.template.json")

    def from_asset(trigger):
        def edit(r):
            fn(r)["Code"] = {"S3Bucket": "b", "S3Key": "abc.zip"}
            association(r)["EventType"] = trigger
        return template(edit)
    assert "1,048,576" in run(rules.EdgePackageSize, from_asset("viewer-request"),
                              filename=filename)[0]
    assert run(rules.EdgePackageSize, from_asset("origin-request"), filename=filename) == []


def test_w9111_alb_dropping_invalid_header_fields():
    attribute = {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}
    data = template(lambda r: r["Alb"]["Properties"].update(LoadBalancerAttributes=[attribute]))
    assert "custom_header" in run(rules.DropInvalidHeaders, data)[0]


def test_cfn_lint_loads_the_rules_and_the_project_template_is_clean(template_path):
    command = [CFN_LINT, "--config-file", str(preflight.CONFIG), "--append-rules",
               str(preflight.RULES_DIR), "--regions", "us-east-1", "--", str(template_path)]
    clean = subprocess.run(command, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_cfn_lint_reports_e91xx_on_a_broken_template(tmp_path):
    broken = template(lambda r: (fn(r).update(Environment={"Variables": {"K": "v"}}),
                                 association(r).update(LambdaFunctionARN={"Ref": "Fn"})))
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = subprocess.run([CFN_LINT, "--append-rules", str(preflight.RULES_DIR), "--regions",
                             "eu-west-1", "--format", "parseable", "--", str(path)],
                            capture_output=True, text=True)
    assert result.returncode & 2
    for rule_id in ("E9101", "E9102", "E9103"):
        assert rule_id in result.stdout


def test_preflight_refuses_a_cloud_assembly_with_an_error(cloud_assembly, tmp_path):
    def gzip_at_zero_ttl(template):
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::CloudFront::CachePolicy":
                resource["Properties"]["CachePolicyConfig"][
                    "ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"] = True
    out = edited_copy(cloud_assembly, tmp_path / "cdk.out", gzip_at_zero_ttl)
    assert preflight.main([str(out)]) == 1
    assert preflight.main([str(cloud_assembly)]) == 0


# --- values written another way ---------------------------------------------------------

def _sentinel_parameter(resources, default="NONE"):
    """The public blue/green pattern: the version ARN is a parameter whose default means
    "none", and the association exists only when it is set."""
    behavior = resources["Dist"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    behavior["LambdaFunctionAssociations"] = [{"Fn::If": [
        "ArnSet", {"EventType": "viewer-request", "LambdaFunctionARN": {"Ref": "EdgeArn"}},
        {"Ref": "AWS::NoValue"}]}]


def with_sentinel(default):
    data = template(_sentinel_parameter)
    data["Parameters"] = {"EdgeArn": {"Type": "String", "Default": default}}
    data["Conditions"] = {"ArnSet": {"Fn::Not": [{"Fn::Equals": [{"Ref": "EdgeArn"}, "NONE"]}]}}
    return data


def test_a_parameter_inside_fn_if_is_unknown_where_its_default_cannot_hold():
    assert run(rules.EdgeNumberedVersion, with_sentinel("NONE")) == []
    # The same template whose default does take the branch: that default is deployed.
    assert "names $LATEST" in run(rules.EdgeNumberedVersion, with_sentinel(
        "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"))[0]


@pytest.mark.parametrize("arn", [
    {"Fn::Sub": "arn:aws:lambda:eu-west-1:${AWS::AccountId}:function:${Fn}:7"},
    {"Fn::Join": [":", ["arn:aws:lambda", "eu-west-1", {"Ref": "AWS::AccountId"},
                        "function", {"Ref": "Fn"}, "7"]]},
], ids=["sub", "join"])
def test_e9101_an_arn_built_from_parts_names_its_own_region(arn):
    data = template(lambda r: association(r).update(LambdaFunctionARN=arn))
    assert "is in eu-west-1" in run(rules.EdgeFunctionRegion, data)[0]


# --- settings the current restrictions page adds ---------------------------------------------

def test_e9103_runtime_management_other_than_auto():
    manual = template(lambda r: fn(r).update(RuntimeManagementConfig={
        "UpdateRuntimeOn": "Manual", "RuntimeVersionArn": "arn:aws:lambda:us-east-1::runtime:x"}))
    assert "runtime management" in run(rules.EdgeUnsupportedSettings, manual)[0]
    auto = template(lambda r: fn(r).update(RuntimeManagementConfig={"UpdateRuntimeOn": "Auto"}))
    assert run(rules.EdgeUnsupportedSettings, auto) == []


def test_w9103_reserved_concurrency():
    data = template(lambda r: fn(r).update(ReservedConcurrentExecutions=5))
    assert "reserved concurrency" in run(rules.EdgeDiscouragedSettings, data)[0]


# --- SAM as deployed --------------------------------------------------------------------------

def sam(globals_=None, **props):
    """A SAM function at the edge through `!Ref Fn.Version`, with `props` and Globals."""
    def edit(resources):
        resources["Fn"] = {"Type": "AWS::Serverless::Function", "Properties": {
            "Runtime": "python3.13", "Handler": "handler.handler", "InlineCode": "x",
            "AutoPublishAlias": "live", "Role": {"Fn::GetAtt": ["Role", "Arn"]}, **props}}
        del resources["Version"]
        association(resources)["LambdaFunctionARN"] = {"Ref": "Fn.Version"}
    data = template(edit)
    data["Transform"] = "AWS::Serverless-2016-10-31"
    if globals_:
        data["Globals"] = {"Function": globals_}
    return data


@pytest.mark.parametrize("data, rule, words", [
    (sam({"ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 2}}),
     rules.EdgeUnsupportedSettings, "provisioned concurrency"),
    (sam(ProvisionedConcurrencyConfig={"ProvisionedConcurrentExecutions": 2}),
     rules.EdgeUnsupportedSettings, "provisioned concurrency"),
    (sam({"Layers": ["arn:aws:lambda:us-east-1:1:layer:a:1"]}), rules.EdgeUnsupportedSettings,
     "layers"),
    (sam({"Environment": {"Variables": {"A": "1"}}}, Environment={"Variables": {"B": "2"}}),
     rules.EdgeUnsupportedSettings, "environment variables"),
    (sam({"Tracing": "Active"}), rules.EdgeDiscouragedSettings, "X-Ray"),
    (sam({"DeadLetterQueue": {"Type": "SQS", "TargetArn": "arn:q"}}),
     rules.EdgeDiscouragedSettings, "dead-letter"),
    (sam({"Timeout": 10}, Timeout=30), rules.EdgeLimits, "at most 30 s"),  # origin trigger: 30 ok
], ids=["pc in globals", "pc on the function", "layers in globals", "env merged", "tracing",
        "dlq", "function overrides globals"])
def test_sam_settings_are_judged_on_the_resources_sam_makes(data, rule, words):
    messages = run(rule, data)
    if words == "at most 30 s":
        assert messages == []  # the function's own Timeout wins over the Globals'
    else:
        assert any(words in m for m in messages), messages


def test_sam_merges_globals_as_sam_does():
    from edge_persist.preflight import sam_merged
    assert sam_merged({"Variables": {"A": "1"}}, {"Variables": {"B": "2"}}) == \
        {"Variables": {"A": "1", "B": "2"}}
    assert sam_merged(["a"], ["b"]) == ["a", "b"]
    assert sam_merged(5, 10) == 10
    assert sam_merged({"Variables": {"A": "1"}}, {"Ref": "Env"}) == {"Ref": "Env"}


def test_e9106_the_role_sam_makes_trusts_lambda_only():
    data = sam()
    del data["Resources"]["Fn"]["Properties"]["Role"]
    assert "role SAM makes" in run(rules.EdgeRoleTrust, data)[0]
    data["Resources"]["Fn"]["Properties"]["AssumeRolePolicyDocument"] = {"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": [
            "lambda.amazonaws.com", "edgelambda.amazonaws.com"]}}]}
    assert run(rules.EdgeRoleTrust, data) == []


# --- conditions -----------------------------------------------------------------------------

def test_e9119_circular_conditions_and_preflight_refuses_them(tmp_path):
    from tests.unit.test_lint_metamorphic import RULES
    data = template()
    data["Conditions"] = {"A": {"Fn::Not": [{"Condition": "B"}]},
                          "B": {"Fn::And": [{"Condition": "A"}, {"Condition": "C"}]},
                          "C": {"Fn::Equals": ["x", "x"]}}
    circular = next(r for r in RULES if r.id == "E9119")
    messages = run(circular, data)
    assert len(messages) == 2 and "condition A depends on itself" in messages[0]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(data))
    assert preflight.main([str(path)]) == 1


def test_preflight_gives_the_same_findings_from_any_folder(cloud_assembly, tmp_path):
    """The package carries its cfn-lint configuration: no .cfnlintrc of the folder it runs
    in changes the findings."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def findings(cwd):
        result = subprocess.run([sys.executable, "-m", "edge_persist.preflight",
                                 str(cloud_assembly)], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=300)
        return result.returncode, result.stdout
    (tmp_path / "elsewhere").mkdir()
    assert findings(ROOT) == findings(tmp_path / "elsewhere") == (0, "")
