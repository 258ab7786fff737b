"""Hypothesis: no lint rule raises on any intrinsic-function shape in the fields it reads."""
import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_lint_rules import BASE, rules, run

ALL_RULES = [
    rules.EdgeFunctionRegion, rules.EdgeNumberedVersion, rules.EdgeUnsupportedSettings,
    rules.EdgeDiscouragedSettings, rules.EdgeLimits, rules.EdgeRuntime, rules.EdgeRoleTrust,
    rules.ZeroTtlCacheKey, rules.AlbOriginProtocol, rules.IncludeBodyOnResponse,
    rules.EdgePackageSize, rules.DropInvalidHeaders]
NAMES = st.sampled_from(["Fn", "Version", "Role", "Alb", "Missing", "Fn.Version", "Fn.Alias",
                         "AWS::NoValue", "AWS::Region", ""])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 100_000), st.text(max_size=12),
                    st.sampled_from(["origin-request", "viewer-request", "origin-response",
                                     "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
                                     "arn:aws:lambda:eu-west-1:123456789012:function:f:3"]))


def _intrinsics(inner):
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, NAMES),
        st.builds(lambda n, a: {"Fn::GetAtt": [n, a]}, NAMES, st.sampled_from(["Arn", "Version"])),
        st.builds(lambda n: {"Fn::GetAtt": n}, st.one_of(NAMES, inner)),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, st.text(max_size=4), inner, inner),
        st.builds(lambda a: {"Fn::If": a}, inner),
        st.builds(lambda s: {"Fn::Sub": s}, st.one_of(st.text(max_size=20), inner)),
        st.builds(lambda d, p: {"Fn::Join": [d, p]}, st.text(max_size=2), inner),
        st.builds(lambda v: {"Fn::ImportValue": v}, inner),
    )


VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    _intrinsics(inner), st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["EventType", "LambdaFunctionARN", "IncludeBody",
                                     "Variables", "Size", "Mode", "Key", "Value"]),
                    inner, max_size=3)), max_leaves=8)

FIELDS = {
    "associations": ("Dist", "Properties", "DistributionConfig", "DefaultCacheBehavior",
                     "LambdaFunctionAssociations"),
    "association": ("Dist", "Properties", "DistributionConfig", "DefaultCacheBehavior",
                    "LambdaFunctionAssociations", 0),
    "arn": ("Dist", "Properties", "DistributionConfig", "DefaultCacheBehavior",
            "LambdaFunctionAssociations", 0, "LambdaFunctionARN"),
    "event type": ("Dist", "Properties", "DistributionConfig", "DefaultCacheBehavior",
                   "LambdaFunctionAssociations", 0, "EventType"),
    "behavior": ("Dist", "Properties", "DistributionConfig", "DefaultCacheBehavior"),
    "behaviors": ("Dist", "Properties", "DistributionConfig", "CacheBehaviors"),
    "config": ("Dist", "Properties", "DistributionConfig"),
    "origins": ("Dist", "Properties", "DistributionConfig", "Origins"),
    "version function": ("Version", "Properties", "FunctionName"),
    "environment": ("Fn", "Properties", "Environment"),
    "architectures": ("Fn", "Properties", "Architectures"),
    "role": ("Fn", "Properties", "Role"),
    "storage": ("Fn", "Properties", "EphemeralStorage"),
    "cache key": ("ZeroTtl", "Properties", "CachePolicyConfig",
                  "ParametersInCacheKeyAndForwardedToOrigin"),
    "alb attributes": ("Alb", "Properties", "LoadBalancerAttributes"),
    "function properties": ("Fn", "Properties"),
}


def _fits(node, key):
    if isinstance(node, dict):
        return isinstance(key, str)
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def _put(node, path, value):
    """Set node[path...] = value where the path still exists; an earlier edit may have
    replaced a parent with another shape, and then this edit is moot."""
    *parents, last = path
    for key in parents:
        if not _fits(node, key):
            return
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    if _fits(node, last):
        node[last] = value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), VALUES), min_size=1, max_size=3))
def test_no_rule_raises_on_any_shape(edits):
    data = copy.deepcopy(BASE)
    for field, value in edits:
        _put(data["Resources"], FIELDS[field], value)
    for rule in ALL_RULES:
        messages = run(rule, data)  # raising fails the test; findings are fine
        assert all(isinstance(m, str) for m in messages)
