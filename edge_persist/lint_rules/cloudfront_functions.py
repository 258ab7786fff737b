"""CloudFront Functions and KeyValueStore preflight rules for cfn-lint (same pack as
lambda_edge.py): what CloudFront refuses at deploy time, found before it.

Limits come from edge_persist/edge_rules.py; the ImportSource checks from
edge_persist/kvs_import.py; the syntax check is node's own parser (the runtime the emulator
runs functions in, in --check mode).
"""
from cfnlint.rules import RuleMatch

# Modules, not classes: cfn-lint registers every rule class it finds in this file's names.
from edge_persist import edge_rules, kvs_import, preflight
from edge_persist.cfn import resources
from edge_persist.cfn_values import UNKNOWN_PART, known
from edge_persist.errors import UsageError

QUOTAS = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
KVS_GUIDE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions.html"
FUNCTION_TYPE = "AWS::CloudFront::Function"


def _functions(rule, values):
    """(logical id, properties, FunctionConfig, path of the config) of every CloudFront
    function, one per Fn::If branch of its config."""
    for fn_id, resource in resources(values.template, FUNCTION_TYPE).items():
        rule.reading = fn_id
        base = ["Resources", fn_id, "Properties"]
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        for config, path in values.get(props, "FunctionConfig", base):
            yield fn_id, props, config if isinstance(config, dict) else {}, path


def _code(values, props):
    """Each text the function's code can be; intrinsics (a store id) read as empty text:
    they sit inside string literals."""
    return [text.replace(UNKNOWN_PART, "") for text in values.scalars(props.get("FunctionCode"))
            if isinstance(text, str)]


def _behaviors(rule, values):
    """(path, behavior) of every cache behavior of every distribution, Fn::If branches too."""
    for dist_id, dist in resources(values.template, "AWS::CloudFront::Distribution").items():
        rule.reading = dist_id
        for behavior, path in preflight.behaviors(values, dist_id, dist):
            if isinstance(behavior, dict):
                yield path, behavior


def _event_types(values, behavior, key, path):
    """(event type, path) of each association under `key` of one behavior."""
    for associations, at in values.get(behavior, key, path):
        for association, where in values.items(associations, at):
            if isinstance(association, dict):
                for event_type in values.scalars(association.get("EventType")):
                    if isinstance(event_type, str) and known(event_type):
                        yield event_type, where


class FunctionCodeSize(preflight.EdgeRule):
    id = "E9112"
    shortdesc = "CloudFront function code over 10 KB"
    description = "CloudFront refuses a function whose code is over 10 KB."
    source_url = QUOTAS
    tags = ["cloudfront", "functions"]

    def check(self, cfn, values):
        for fn_id, props, _config, _path in _functions(self, values):
            size = max((len(text.encode()) for text in _code(values, props)), default=0)
            if size > edge_rules.FUNCTION_MAX_CODE_BYTES:
                yield RuleMatch(
                    ["Resources", fn_id, "Properties", "FunctionCode"],
                    f"{fn_id}'s code is at least {size:,} bytes; CloudFront takes "
                    f"{edge_rules.FUNCTION_MAX_CODE_BYTES:,}: minify it or move data to a key "
                    "value store")
                break


class KeyValueStoreRuntime(preflight.EdgeRule):
    id = "E9113"
    shortdesc = "Key value store on a cloudfront-js-1.0 function"
    description = "Only cloudfront-js-2.0 functions can read a key value store."
    source_url = KVS_GUIDE
    tags = ["cloudfront", "functions", "keyvaluestore"]

    def check(self, cfn, values):
        for fn_id, _props, config, path in _functions(self, values):
            for stores, _ in values.lists(config.get("KeyValueStoreAssociations")):
                for runtime, where in values.get(config, "Runtime", path):
                    if stores and isinstance(runtime, str) and known(runtime) and \
                            runtime != edge_rules.FUNCTION_KVS_RUNTIME:
                        yield RuleMatch(where, f"{fn_id} is {runtime} and has a key value "
                                               f"store; stores need "
                                               f"{edge_rules.FUNCTION_KVS_RUNTIME}")


class OneKeyValueStore(preflight.EdgeRule):
    id = "E9114"
    shortdesc = "More than one key value store on a CloudFront function"
    description = "A CloudFront function can be associated with one key value store."
    source_url = QUOTAS
    tags = ["cloudfront", "functions", "keyvaluestore"]

    def check(self, cfn, values):
        for fn_id, _props, config, path in _functions(self, values):
            # Counted per branch: an Fn::If choosing between two stores is one store.
            for stores, where in values.lists(config.get("KeyValueStoreAssociations"),
                                              path + ["KeyValueStoreAssociations"]):
                if len(stores) > edge_rules.FUNCTION_MAX_KEY_VALUE_STORES:
                    yield RuleMatch(where, (
                        f"{fn_id} has {len(stores)} key value stores; CloudFront allows "
                        f"{edge_rules.FUNCTION_MAX_KEY_VALUE_STORES}: merge them with key "
                        "prefixes"))
                    break


class FunctionAndLambdaOnOneEvent(preflight.EdgeRule):
    id = "E9115"
    shortdesc = "CloudFront function and Lambda@Edge on the same viewer event"
    description = ("A cache behavior cannot run a CloudFront function and a Lambda@Edge "
                   "function on the same viewer event.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-choosing.html"
    tags = ["cloudfront", "functions", "lambda@edge"]

    def check(self, cfn, values):
        for path, behavior in _behaviors(self, values):
            lambdas = {e for e, _ in _event_types(values, behavior, "LambdaFunctionAssociations",
                                                  path)}
            for event_type, where in _event_types(values, behavior, "FunctionAssociations", path):
                if event_type in lambdas:
                    yield RuleMatch(where, (
                        f"a CloudFront function and a Lambda@Edge function are both on "
                        f"{event_type} of this behavior; CloudFront refuses that: move one "
                        "to another event or merge them"))


class FunctionOnOriginEvent(preflight.EdgeRule):
    id = "E9116"
    shortdesc = "CloudFront function on an origin event"
    description = "CloudFront Functions run on viewer-request and viewer-response only."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html"
    tags = ["cloudfront", "functions"]

    def check(self, cfn, values):
        for path, behavior in _behaviors(self, values):
            for event_type, where in _event_types(values, behavior, "FunctionAssociations", path):
                if event_type not in edge_rules.FUNCTION_EVENTS:
                    yield RuleMatch(where, (
                        f"a CloudFront function on {event_type}: they run on viewer events "
                        "only; use Lambda@Edge for origin events"))


class KeyValueStoreImport(preflight.EdgeRule):
    id = "E9117"
    shortdesc = "Key value store import file CloudFront will refuse"
    description = ("An ImportSource file in cdk.out over 5 MB, not in the import shape, or "
                   "with a key over 512 bytes or a value over 1 KB.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create-s3-kvp.html"
    tags = ["cloudfront", "keyvaluestore"]

    def check(self, cfn, values):
        if not cfn.filename:
            return
        for store_id, store in resources(values.template,
                                         "AWS::CloudFront::KeyValueStore").items():
            self.reading = store_id
            base = ["Resources", store_id, "Properties"]
            for source, where in values.get(store.get("Properties"), "ImportSource", base):
                for arn, _ in values.get(source, "SourceArn", where):
                    if not isinstance(arn, str):
                        continue
                    path = kvs_import.import_file(cfn.filename, arn)
                    if path is None:
                        continue  # not a cdk.out asset: nothing to read before deploy
                    try:
                        kvs_import.read_import(path)
                    except UsageError as err:
                        yield RuleMatch(where, f"{store_id}'s import file {err}")


class FunctionCodeSyntax(preflight.EdgeRule):
    id = "E9118"
    shortdesc = "CloudFront function code that does not parse"
    description = "The function's code, as node's parser reads it, has a syntax error."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html"
    tags = ["cloudfront", "functions"]

    def check(self, cfn, values):
        # Imported here: it starts node, which the other rules never need.
        from edge_persist.emulator.cloudfront_functions.runtime import syntax_error
        for fn_id, props, config, _path in _functions(self, values):
            for runtime in values.scalars(config.get("Runtime")):
                if not isinstance(runtime, str) or runtime not in edge_rules.FUNCTION_RUNTIMES:
                    continue
                problem = next(filter(None, (syntax_error(code, runtime)
                                             for code in _code(values, props))), None)
                if problem:
                    yield RuleMatch(["Resources", fn_id, "Properties", "FunctionCode"],
                                    f"{fn_id}'s code does not parse: {problem}")
                    break
