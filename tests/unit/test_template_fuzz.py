"""Whatever a distribution's settings hold (an intrinsic where a value was, a value of another
type, a key gone), reading the stack gives the model or one UsageError line, never a traceback:
the emulator starts on what CloudFormation deploys and names what it would refuse."""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_persist.emulator.template import Resolver, StackReader
from edge_persist.errors import UsageError
from tests.conftest import edited_copy

SHAPES = [{"Ref": "Nope"}, {"Fn::If": ["Nope", "a", "b"]}, {"Fn::GetAtt": ["X", "Y"]},
          {"Fn::ImportValue": "x"}, None, [], {}, 123, "text", {"Ref": "AWS::NoValue"},
          {"Fn::Sub": "${Nope}"}, True, {"Fn::Select": [9, []]}]


@pytest.fixture(scope="module")
def features(feature_assembly, tmp_path_factory):
    copy = edited_copy(feature_assembly, tmp_path_factory.mktemp("fuzzed") / "cdk.out")
    path = next(copy.glob("*.template.json"))
    return copy, path, json.loads(path.read_text())


def _leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, path + (index,))
    if path:
        yield path


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_distribution_setting_reads_or_is_one_usage_line(features, data):
    copy, path, template = features
    mutated = json.loads(json.dumps(template))
    dist = next(r for r in mutated["Resources"].values()
                if r["Type"] == "AWS::CloudFront::Distribution")
    spots = list(_leaves(dist))
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.sampled_from(spots))
        node = dist
        try:
            for step in spot[:-1]:
                node = node[step]
            node[spot[-1]] = json.loads(json.dumps(data.draw(st.sampled_from(SHAPES))))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed the way there
    path.write_text(json.dumps(mutated))
    try:
        StackReader(copy).read()
    except UsageError as err:
        assert "\n" not in str(err)


def test_fn_if_and_no_value_settle_the_structure():
    resolver = Resolver({}, {"Env": {"Default": "prod"}},
                        {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}})
    config = {"Comment": {"Fn::If": ["Prod", "live", "test"]},
              "Logging": {"Fn::If": ["Prod", {"Ref": "AWS::NoValue"}, {"Bucket": "b"}]},
              "Items": [{"Fn::If": ["Prod", {"Ref": "AWS::NoValue"}, "x"]}, "kept"]}
    assert resolver.decided(config) == {"Comment": "live", "Items": ["kept"]}
