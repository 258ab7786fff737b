"""Each CloudFront Functions / KeyValueStore lint rule on a failing and a passing fragment."""
import copy
import importlib.util
import json

import pytest
from cfnlint.template import Template

from edge_persist import edge_rules, preflight

_spec = importlib.util.spec_from_file_location("cloudfront_function_rules",
                                               preflight.RULES_DIR / "cloudfront_functions.py")
rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rules)

ASSET = "0" * 64
CODE = ("import cf from 'cloudfront';\n"
        "async function handler(event) {\n"
        "  event.request.headers['x-v'] = {value: await cf.kvs().get('k')};\n"
        "  return event.request;\n}\n")
BASE = {
    "Resources": {
        "Store": {"Type": "AWS::CloudFront::KeyValueStore", "Properties": {
            "Name": "store", "ImportSource": {"SourceType": "S3", "SourceArn": {"Fn::Join": [
                "", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::",
                     {"Fn::Sub": "cdk-assets-${AWS::AccountId}"}, f"/{ASSET}.json"]]}}}},
        "Fn": {"Type": "AWS::CloudFront::Function", "Properties": {
            "Name": "fn", "AutoPublish": True, "FunctionCode": CODE,
            "FunctionConfig": {"Comment": "c", "Runtime": "cloudfront-js-2.0",
                               "KeyValueStoreAssociations": [
                                   {"KeyValueStoreARN": {"Fn::GetAtt": ["Store", "Arn"]}}]}}},
        "Dist": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True,
            "Origins": [{"Id": "o", "DomainName": "example.com",
                         "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}],
            "DefaultCacheBehavior": {
                "TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
                "FunctionAssociations": [{"EventType": "viewer-request",
                                          "FunctionARN": {"Fn::GetAtt": ["Fn", "FunctionARN"]}}],
                "LambdaFunctionAssociations": [
                    {"EventType": "origin-request",
                     "LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:f:1"}],
            }}}},
    }
}
ALL = [rules.FunctionCodeSize, rules.KeyValueStoreRuntime, rules.OneKeyValueStore,
       rules.FunctionAndLambdaOnOneEvent, rules.FunctionOnOriginEvent,
       rules.KeyValueStoreImport, rules.FunctionCodeSyntax]


def template(edit=None):
    data = copy.deepcopy(BASE)
    if edit:
        edit(data["Resources"])
    return data


def on_disk(tmp_path, data, pairs=None, raw=None):
    """The template in a cdk.out-like folder, its import file an asset beside it."""
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(data))
    asset = f"asset.{ASSET}.json"
    (tmp_path / asset).write_text(raw if raw is not None else json.dumps(
        {"data": [{"key": k, "value": v} for k, v in (pairs or {"k": "v"}).items()]}))
    (tmp_path / "Stack.assets.json").write_text(json.dumps({"files": {ASSET: {
        "source": {"path": asset, "packaging": "file"}}}}))
    return str(path)


def run(rule_class, data, filename=None):
    return [m.message for m in rule_class().match(Template(filename, data, ["us-east-1"]))]


def fn(resources):
    return resources["Fn"]["Properties"]


def behavior(resources):
    return resources["Dist"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]


@pytest.mark.parametrize("rule", ALL)
def test_the_good_fragment_passes_every_rule(rule, tmp_path):
    assert run(rule, template(), on_disk(tmp_path, template())) == []


def test_e9112_code_over_10_kb():
    data = template(lambda r: fn(r).update(
        FunctionCode=CODE + "//" + "x" * edge_rules.FUNCTION_MAX_CODE_BYTES))
    (message,) = run(rules.FunctionCodeSize, data)
    assert "Fn's code" in message and "10,240" in message


def test_e9112_counts_only_literal_text_of_a_join():
    code = {"Fn::Join": ["", [CODE[:20], {"Fn::GetAtt": ["Store", "Id"]}, CODE[20:]]]}
    assert run(rules.FunctionCodeSize, template(lambda r: fn(r).update(FunctionCode=code))) == []


def test_e9113_store_on_runtime_1():
    data = template(lambda r: fn(r)["FunctionConfig"].update(Runtime="cloudfront-js-1.0"))
    (message,) = run(rules.KeyValueStoreRuntime, data)
    assert "cloudfront-js-1.0" in message and "cloudfront-js-2.0" in message


def test_e9114_two_stores():
    def two(resources):
        stores = fn(resources)["FunctionConfig"]["KeyValueStoreAssociations"]
        stores.append({"KeyValueStoreARN": "arn:aws:cloudfront::123456789012:key-value-store/x"})
    (message,) = run(rules.OneKeyValueStore, template(two))
    assert "2 key value stores" in message


@pytest.mark.parametrize("where", ["DefaultCacheBehavior", "CacheBehaviors"])
def test_e9115_function_and_lambda_on_the_same_viewer_event(where):
    def both(resources):
        behavior(resources)["LambdaFunctionAssociations"][0]["EventType"] = "viewer-request"
        if where == "CacheBehaviors":
            config = resources["Dist"]["Properties"]["DistributionConfig"]
            config["CacheBehaviors"] = [{**behavior(resources), "PathPattern": "/api/*"}]
            del behavior(resources)["LambdaFunctionAssociations"]
    (message,) = run(rules.FunctionAndLambdaOnOneEvent, template(both))
    assert "viewer-request" in message


def test_e9116_function_on_an_origin_event():
    data = template(lambda r: behavior(r)["FunctionAssociations"][0].update(
        EventType="origin-response"))
    (message,) = run(rules.FunctionOnOriginEvent, data)
    assert "origin-response" in message and "viewer events only" in message


@pytest.mark.parametrize("pairs, raw, words", [
    ({"k" * (edge_rules.KVS_MAX_KEY_BYTES + 1): "v"}, None, "keys must be 1 to 512 bytes"),
    ({"k": "v" * (edge_rules.KVS_MAX_VALUE_BYTES + 1)}, None, "at most 1024 bytes"),
    (None, '{"data": [{"key": "a"}]}', "not the import shape"),
    (None, '{"data": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}',
     "duplicate key"),
    (None, " " * (edge_rules.KVS_MAX_STORE_BYTES + 1), "over the 5242880 bytes"),
])
def test_e9117_import_file_cloudfront_refuses(tmp_path, pairs, raw, words):
    data = template()
    (message,) = run(rules.KeyValueStoreImport, data, on_disk(tmp_path, data, pairs, raw))
    assert words in message and "Store" in message


def test_e9117_passes_a_store_without_its_asset_at_hand(tmp_path):
    data = template()
    path = tmp_path / "Stack.template.json"
    path.write_text(json.dumps(data))
    assert run(rules.KeyValueStoreImport, data, str(path)) == []


@pytest.mark.parametrize("code, words", [
    ("function handler(event) { return event.request;", "SyntaxError"),
    ("import fs from 'fs'; function handler(e) { return e.request }", "cannot import 'fs'"),
])
def test_e9118_code_that_does_not_parse(code, words):
    (message,) = run(rules.FunctionCodeSyntax, template(lambda r: fn(r).update(FunctionCode=code)))
    assert words in message and "Fn's code" in message
