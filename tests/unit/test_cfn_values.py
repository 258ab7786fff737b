"""The partial evaluator every lint rule reads values through."""
import pytest

from edge_persist.cfn_values import UNKNOWN, UNKNOWN_PART, Resolved, Values, known, number

TEMPLATE = {
    "Parameters": {
        "Runtime": {"Type": "String", "Default": "nodejs22.x"},
        "Stage": {"Type": "String", "AllowedValues": ["prod", "test"], "Default": "test"},
        "Unset": {"Type": "String", "Default": ""},
        "Free": {"Type": "String"},
        "Memory": {"Type": "Number", "Default": 256},
    },
    "Mappings": {"Regions": {"us-east-1": {"Suffix": "use1"}}},
    "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "edge"}},
        "Anon": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"},
                                                              "Name": "live"}},
        "Sam": {"Type": "AWS::Serverless::Function", "Properties": {"AutoPublishAlias": "live"}},
        "Reader": {"Type": "Custom::Reader", "Properties": {}},
    },
}
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:"


def values_of(node, region="eu-west-1"):
    return [v for v, _ in Values(TEMPLATE, region).branches(node)]


@pytest.mark.parametrize("node, expected", [
    ({"Ref": "Runtime"}, ["nodejs22.x"]),
    ({"Ref": "Stage"}, ["prod", "test"]),               # every allowed value can be deployed
    ({"Ref": "Memory"}, ["256"]),
    ({"Ref": "AWS::Region"}, ["eu-west-1"]),
    ({"Fn::Sub": "fn-${AWS::Region}"}, ["fn-eu-west-1"]),
    ({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "Runtime"}}]}, ["x-nodejs22.x"]),
    ({"Fn::Sub": "${!Literal}"}, ["${Literal}"]),
    ({"Fn::Join": ["-", ["a", {"Ref": "AWS::Partition"}, "b"]]}, ["a-aws-b"]),
    ({"Fn::Select": [1, ["a", "b", "c"]]}, ["b"]),
    ({"Fn::Select": [0, {"Fn::Split": [",", "x,y"]}]}, ["x"]),
    ({"Fn::FindInMap": ["Regions", "us-east-1", "Suffix"]}, ["use1"]),
    ({"Fn::If": ["C", "a", "b"]}, ["a", "b"]),
    ({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}, ["a"]),
    ({"Fn::Sub": "${Fn.Arn}:live"}, [ARN + "edge:live"]),
    ({"Ref": "Version"}, [ARN + "edge:1"]),
    ({"Fn::GetAtt": ["Version", "Version"]}, ["1"]),    # a number, not an ARN
    ({"Ref": "Live"}, [ARN + "edge:live"]),
    ({"Ref": "Sam.Version"}, [ARN + "Sam:1"]),
    ({"Ref": "Fn"}, ["edge"]),                          # Ref of a function is its name
    ({"Fn::GetAtt": "Anon.Arn"}, [ARN + "Anon"]),
])
def test_values(node, expected):
    assert values_of(node) == expected


@pytest.mark.parametrize("node", [
    {"Ref": "Unset"}, {"Ref": "Free"}, {"Fn::ImportValue": "x"},
    {"Fn::GetAtt": ["Reader", "FunctionArn"]}, {"Ref": "AWS::StackName"},
    "{{resolve:ssm:/edge/arn}}", {"Fn::GetAZs": ""},
])
def test_what_cannot_be_known_before_deploy_is_unknown(node):
    assert not any(known(v) for v in values_of(node))


def test_an_unknown_part_keeps_what_is_known_around_it():
    (value,) = values_of({"Fn::Sub": "${Free}:$LATEST"})
    assert value == UNKNOWN_PART + ":$LATEST" and not known(value)


def test_a_value_from_a_resource_remembers_it():
    (value,) = values_of({"Fn::Sub": "${Version}"})  # the variable alone is the value itself
    assert isinstance(value, Resolved) and value.logical_id == "Version"
    (joined,) = values_of({"Fn::Join": ["", [{"Ref": "Version"}]]})
    assert isinstance(joined, Resolved) and joined.logical_id == "Version"


def test_items_and_lists_count_per_branch():
    v = Values(TEMPLATE)
    node = {"Fn::If": ["C", [{"Ref": "Fn"}], [{"Ref": "Anon"}]]}
    assert [len(items) for items, _ in v.lists(node)] == [1, 1]
    assert [path for _, path in v.items(node, ["P"])] == [["P", "Fn::If", 1, 0],
                                                            ["P", "Fn::If", 2, 0]]


@pytest.mark.parametrize("text, expected", [("10", 10), ("1.5", 1.5), (7, 7), ("ten", None),
                                            (True, None), (UNKNOWN, None)])
def test_number(text, expected):
    assert number(text) == expected


def test_an_ssm_parameter_default_names_the_parameter_not_its_value():
    template = {"Parameters": {"Arn": {"Type": "AWS::SSM::Parameter::Value<String>",
                                       "Default": "/edge/version-arn"},
                               "Maybe": {"Type": "String", "AllowedValues": ["", "x"]}}}
    v = Values(template)
    assert not known(v.scalars({"Ref": "Arn"})[0])
    assert [known(x) for x in v.scalars({"Ref": "Maybe"})] == [False, True]
