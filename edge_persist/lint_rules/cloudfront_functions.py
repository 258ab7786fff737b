"""CloudFront Functions and KeyValueStore preflight rules for cfn-lint (same pack as
lambda_edge.py): what CloudFront refuses at deploy time, found before it.

Limits come from edge_persist/edge_rules.py; the ImportSource checks from
edge_persist/kvs_import.py; the syntax check is node's own parser (the runtime the emulator
runs functions in, in --check mode).
"""
import sys
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint imports this file by path; put the project on sys.path for its shared facts.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from edge_persist import edge_rules, kvs_import  # noqa: E402
from edge_persist.cfn import as_dict, properties, resources  # noqa: E402
from edge_persist.errors import UsageError  # noqa: E402
from edge_persist.preflight import alternatives, list_items, literal_text  # noqa: E402

QUOTAS = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
KVS_GUIDE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions.html"
FUNCTION_TYPE = "AWS::CloudFront::Function"


def _functions(cfn):
    """(logical id, properties, FunctionConfig) of every CloudFront function."""
    for fn_id, resource in resources(cfn.template, FUNCTION_TYPE).items():
        props = properties(resource)
        yield fn_id, props, as_dict(props.get("FunctionConfig"))


def _stores(config):
    return [a for a, _ in list_items(config.get("KeyValueStoreAssociations"), [])]


def _behaviors(cfn):
    """(path, behavior) of every cache behavior of every distribution, Fn::If branches too."""
    for dist_id, dist in resources(cfn.template, "AWS::CloudFront::Distribution").items():
        base = ["Resources", dist_id, "Properties", "DistributionConfig"]
        config = as_dict(properties(dist).get("DistributionConfig"))
        for behavior, path in alternatives(config.get("DefaultCacheBehavior"),
                                           base + ["DefaultCacheBehavior"]):
            yield path, as_dict(behavior)
        yield from ((path, as_dict(b)) for b, path in list_items(
            config.get("CacheBehaviors"), base + ["CacheBehaviors"]))


def _event_types(behavior, key, path):
    """(event type, path) of each association under `key` of one behavior."""
    for association, where in list_items(behavior.get(key), path + [key]):
        event_type = as_dict(association).get("EventType")
        if isinstance(event_type, str):
            yield event_type, where


class FunctionCodeSize(CloudFormationLintRule):
    id = "E9112"
    shortdesc = "CloudFront function code over 10 KB"
    description = "CloudFront refuses a function whose code is over 10 KB."
    source_url = QUOTAS
    tags = ["cloudfront", "functions"]

    def match(self, cfn):
        matches = []
        for fn_id, props, _config in _functions(cfn):
            size = len(literal_text(props.get("FunctionCode")).encode())
            if size > edge_rules.FUNCTION_MAX_CODE_BYTES:
                matches.append(RuleMatch(
                    ["Resources", fn_id, "Properties", "FunctionCode"],
                    f"{fn_id}'s code is at least {size:,} bytes; CloudFront takes "
                    f"{edge_rules.FUNCTION_MAX_CODE_BYTES:,}: minify it or move data to a key "
                    "value store"))
        return matches


class KeyValueStoreRuntime(CloudFormationLintRule):
    id = "E9113"
    shortdesc = "Key value store on a cloudfront-js-1.0 function"
    description = "Only cloudfront-js-2.0 functions can read a key value store."
    source_url = KVS_GUIDE
    tags = ["cloudfront", "functions", "keyvaluestore"]

    def match(self, cfn):
        matches = []
        for fn_id, _props, config in _functions(cfn):
            runtime = config.get("Runtime")
            if _stores(config) and isinstance(runtime, str) and \
                    runtime != edge_rules.FUNCTION_KVS_RUNTIME:
                matches.append(RuleMatch(
                    ["Resources", fn_id, "Properties", "FunctionConfig", "Runtime"],
                    f"{fn_id} is {runtime} and has a key value store; stores need "
                    f"{edge_rules.FUNCTION_KVS_RUNTIME}"))
        return matches


class OneKeyValueStore(CloudFormationLintRule):
    id = "E9114"
    shortdesc = "More than one key value store on a CloudFront function"
    description = "A CloudFront function can be associated with one key value store."
    source_url = QUOTAS
    tags = ["cloudfront", "functions", "keyvaluestore"]

    def match(self, cfn):
        matches = []
        for fn_id, _props, config in _functions(cfn):
            count = len(_stores(config))
            if count > edge_rules.FUNCTION_MAX_KEY_VALUE_STORES:
                matches.append(RuleMatch(
                    ["Resources", fn_id, "Properties", "FunctionConfig",
                     "KeyValueStoreAssociations"],
                    f"{fn_id} has {count} key value stores; CloudFront allows "
                    f"{edge_rules.FUNCTION_MAX_KEY_VALUE_STORES}: merge them with key prefixes"))
        return matches


class FunctionAndLambdaOnOneEvent(CloudFormationLintRule):
    id = "E9115"
    shortdesc = "CloudFront function and Lambda@Edge on the same viewer event"
    description = ("A cache behavior cannot run a CloudFront function and a Lambda@Edge "
                   "function on the same viewer event.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-choosing.html"
    tags = ["cloudfront", "functions", "lambda@edge"]

    def match(self, cfn):
        matches = []
        for path, behavior in _behaviors(cfn):
            lambdas = {e for e, _ in _event_types(behavior, "LambdaFunctionAssociations", path)}
            for event_type, where in _event_types(behavior, "FunctionAssociations", path):
                if event_type in lambdas:
                    matches.append(RuleMatch(where, (
                        f"a CloudFront function and a Lambda@Edge function are both on "
                        f"{event_type} of this behavior; CloudFront refuses that: move one "
                        "to another event or merge them")))
        return matches


class FunctionOnOriginEvent(CloudFormationLintRule):
    id = "E9116"
    shortdesc = "CloudFront function on an origin event"
    description = "CloudFront Functions run on viewer-request and viewer-response only."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html"
    tags = ["cloudfront", "functions"]

    def match(self, cfn):
        matches = []
        for path, behavior in _behaviors(cfn):
            for event_type, where in _event_types(behavior, "FunctionAssociations", path):
                if event_type not in edge_rules.FUNCTION_EVENTS:
                    matches.append(RuleMatch(where, (
                        f"a CloudFront function on {event_type}: they run on viewer events "
                        "only; use Lambda@Edge for origin events")))
        return matches


class KeyValueStoreImport(CloudFormationLintRule):
    id = "E9117"
    shortdesc = "Key value store import file CloudFront will refuse"
    description = ("An ImportSource file in cdk.out over 5 MB, not in the import shape, or "
                   "with a key over 512 bytes or a value over 1 KB.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create-s3-kvp.html"
    tags = ["cloudfront", "keyvaluestore"]

    def match(self, cfn):
        matches = []
        if not cfn.filename:
            return matches
        for store_id, store in resources(cfn.template,
                                         "AWS::CloudFront::KeyValueStore").items():
            source = as_dict(properties(store).get("ImportSource"))
            path = kvs_import.import_file(cfn.filename, literal_text(source.get("SourceArn")))
            if path is None:
                continue  # not a cdk.out asset: nothing to read before deploy
            try:
                kvs_import.read_import(path)
            except UsageError as err:
                matches.append(RuleMatch(
                    ["Resources", store_id, "Properties", "ImportSource"],
                    f"{store_id}'s import file {err}"))
        return matches


class FunctionCodeSyntax(CloudFormationLintRule):
    id = "E9118"
    shortdesc = "CloudFront function code that does not parse"
    description = "The function's code, as node's parser reads it, has a syntax error."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html"
    tags = ["cloudfront", "functions"]

    def match(self, cfn):
        # Imported here: it starts node, which the other rules never need.
        from edge_persist.emulator.cloudfront_functions.runtime import syntax_error
        matches = []
        for fn_id, props, config in _functions(cfn):
            code, runtime = props.get("FunctionCode"), config.get("Runtime")
            if not isinstance(runtime, str) or runtime not in edge_rules.FUNCTION_RUNTIMES:
                continue
            # Intrinsics (a store id in the code) read as empty text: they sit in literals.
            problem = syntax_error(literal_text(code), runtime)
            if problem:
                matches.append(RuleMatch(["Resources", fn_id, "Properties", "FunctionCode"],
                                         f"{fn_id}'s code does not parse: {problem}"))
        return matches
