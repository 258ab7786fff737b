"""Lambda@Edge preflight rules for cfn-lint: cross-resource mistakes that pass `cdk synth`
and fail only during a 15-minute CloudFront deploy.

    cfn-lint --append-rules edge_persist/lint_rules --regions us-east-1 -- template.json

E91xx are errors, W91xx warnings. Limits and lists come from edge_persist/edge_rules.py and
edge_persist/runtimes.py. Every rule reads values through edge_persist/cfn_values.py, one
Fn::If branch at a time, and fires only on what is provably wrong in a branch that can be
taken; a shape it does not expect is one W9100 warning (preflight.EdgeRule), never a crash.
"""
import os
from datetime import date

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# Modules, not classes: cfn-lint registers every rule class it finds in this file's names.
from edge_persist import edge_rules, preflight, runtimes
from edge_persist.cfn import as_dict, asset_folder, properties, resources
from edge_persist.cfn_values import boolean, known, number
from edge_persist.preflight import (FUNCTION_TYPES, edge_uses, function_properties,
                                    sam_role_trust, zipped_size)

SOURCE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html"
QUOTAS = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"


def _functions(rule, values):
    """(use, its function's properties as deployed) for each association of a traced
    function, in this stack or in another of its cloud assembly: read them through
    `use.owner`, that stack's Values. The rule's `reading` names the function, for the
    warning should it fail there."""
    for use in edge_uses(values):
        if use.function_id:
            rule.reading = use.function_id
            yield use, function_properties(use.owner.template, use.function_id)


def _unversioned(use):
    """Why CloudFront will refuse this association's ARN; None when it is, or may be, a
    numbered version. What cannot be known before deploy (a parameter without a default, an
    import, a custom resource's output) passes: only what is provably wrong fires."""
    arn = use.arn
    if not isinstance(arn, str):
        return None
    target = getattr(arn, "logical_id", None)
    if use.target_type in FUNCTION_TYPES:
        what = "name" if use.attribute is None else "unqualified ARN"
        return f"it gives the {what} of the function {target}, not a numbered version"
    if use.target_type == "AWS::Lambda::Alias":
        return f"it points at the alias {target}; CloudFront takes numbered versions only"
    if use.target_type == "AWS::Lambda::Version" and use.attribute == "Version":
        return (f"Fn::GetAtt {target}.Version is the version's number, not its ARN; use "
                f"!Ref {target}")
    parts = arn.split(":")
    if len(parts) == 8 and parts[7] == "$LATEST":
        return f"the ARN {arn} ends in $LATEST: it names $LATEST, not a numbered version"
    if "$LATEST" in arn:
        return "the ARN it gives ends in $LATEST"
    if not arn.startswith("arn:"):
        return f"{arn!r} is not a Lambda function version ARN" if known(arn) else None
    if len(parts) < 7 or parts[5] != "function":
        return f"{arn} is not a Lambda function ARN" if known(arn) else None
    if len(parts) == 7:  # no qualifier, unless an unknown part of the name holds one
        return None if not known(parts[6]) else f"the ARN {arn} names no version"
    qualifier = parts[7]
    if known(qualifier) and not qualifier.isdigit():
        return f"the ARN {arn} names {qualifier}, not a numbered version"
    return None


def _arn_region(arn):
    """The region a function ARN names, when it is known."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) > 5 and parts[0] == "arn" and parts[2] == "lambda" and known(parts[3]):
        return parts[3]
    return None


def _as_of():
    """The day runtimes are judged on: preflight --as-of, else today."""
    text = os.environ.get(preflight.AS_OF_ENV)
    return date.fromisoformat(text) if text else date.today()


class EdgeFunctionRegion(preflight.EdgeRule):
    id = "E9101"
    shortdesc = "Lambda@Edge function outside us-east-1"
    description = "A function associated with a distribution must be created in us-east-1."
    source_url = SOURCE
    tags = ["lambda@edge", "cloudfront"]

    def check(self, cfn, values):
        for use in edge_uses(values):
            # The region an ARN names wins; a function of the assembly is created where its
            # own stack is deployed.
            where = _arn_region(use.arn) or (use.owner.region if use.function_id else None)
            if where and where != edge_rules.EDGE_REGION:
                yield RuleMatch(use.path, (
                    f"{use.function_id or use.arn} ({use.event_type}) is in {where}; Lambda@Edge "
                    f"functions must be created in us-east-1: deploy this stack to us-east-1 "
                    f"or reference a us-east-1 function version"))


class EdgeNumberedVersion(preflight.EdgeRule):
    id = "E9102"
    shortdesc = "Lambda@Edge association without a numbered version"
    description = "CloudFront refuses $LATEST, aliases and unversioned function ARNs."
    source_url = SOURCE
    tags = ["lambda@edge", "cloudfront"]

    def check(self, cfn, values):
        for use in edge_uses(values):
            problem = _unversioned(use)
            if problem:
                yield RuleMatch(use.path, (
                    f"{use.event_type} association: {problem}; reference an "
                    "AWS::Lambda::Version (in CDK: fn.current_version; in SAM: !Ref Fn.Version)"))


class EdgeUnsupportedSettings(preflight.EdgeRule):
    id = "E9103"
    shortdesc = "Lambda@Edge function uses a setting the edge does not support"
    description = ("No environment variables, layers, VPC, arm64, provisioned concurrency, "
                   "runtime management other than Auto or ephemeral storage above 512 MB at "
                   "the edge.")
    source_url = SOURCE
    tags = ["lambda@edge"]

    def check(self, cfn, values):
        for use, props in _functions(self, values):
            for path, problem in self._problems(use.owner, props):
                yield RuleMatch(use.function_path(values, *path),
                                f"{use.function_name(values)} ({use.event_type}) {problem}")
            version = as_dict(use.owner.resources.get(use.version_id)) if use.version_id else {}
            if properties(version).get("ProvisionedConcurrencyConfig"):
                where = ["Resources", use.version_id, "Properties",
                         "ProvisionedConcurrencyConfig"] if use.owner is values else use.path
                yield RuleMatch(where, f"{use.version_id}: provisioned concurrency is not "
                                       "supported at the edge; remove it")

    @staticmethod
    def _problems(owner, props):
        """(property path, what is wrong) for each setting the edge refuses."""
        if any(isinstance(variables, dict) and variables
               for env, _ in owner.branches(props.get("Environment"))
               for variables, _ in owner.get(env, "Variables")):
            yield ["Environment"], ("has environment variables; bake configuration into the "
                                    "code asset")
        if any(items for items, _ in owner.lists(props.get("Layers"))):
            yield ["Layers"], "uses layers; bundle them into the code asset"
        if any(isinstance(v, dict) and v for v, _ in owner.branches(props.get("VpcConfig"))):
            yield ["VpcConfig"], "is attached to a VPC; remove VpcConfig"
        if any(a != edge_rules.EDGE_ARCHITECTURE and known(a)
               for items, _ in owner.lists(props.get("Architectures"))
               for a in items if isinstance(a, str)):
            yield ["Architectures"], "is not x86_64; use x86_64"
        sizes = [number(v) for v, _ in owner.get(props.get("EphemeralStorage"), "Size")]
        size = max((v for v in sizes if v is not None), default=None)
        if size is not None and size > edge_rules.MAX_EPHEMERAL_STORAGE_MB:
            yield ["EphemeralStorage"], (f"has {size} MB of ephemeral storage; at most "
                                         f"{edge_rules.MAX_EPHEMERAL_STORAGE_MB} MB")
        if any(isinstance(mode, str) and known(mode) and
               mode != edge_rules.EDGE_RUNTIME_MANAGEMENT for mode, _ in
               owner.get(props.get("RuntimeManagementConfig"), "UpdateRuntimeOn")):
            yield ["RuntimeManagementConfig"], (
                f"sets runtime management other than {edge_rules.EDGE_RUNTIME_MANAGEMENT}; "
                "remove RuntimeManagementConfig")
        if any(isinstance(v, dict) and v for v in
               owner.scalars(props.get("ProvisionedConcurrencyConfig"))):
            yield ["ProvisionedConcurrencyConfig"], (
                "has provisioned concurrency (SAM puts it on the alias it publishes); remove it")


class EdgeDiscouragedSettings(preflight.EdgeRule):
    id = "W9103"
    shortdesc = ("Lambda@Edge function uses a dead-letter queue, active tracing or reserved "
                 "concurrency")
    description = ("Older Lambda@Edge restrictions list DLQs, X-Ray and reserved concurrency "
                   "as unsupported.")
    source_url = SOURCE
    tags = ["lambda@edge"]

    def check(self, cfn, values):
        for use, props in _functions(self, values):
            owner, name = use.owner, use.function_name(values)
            if any(isinstance(v, dict) and v for v in owner.scalars(props.get("DeadLetterConfig"))):
                yield RuleMatch(use.function_path(values, "DeadLetterConfig"),
                                f"{name}: a dead-letter queue may be refused at the edge; "
                                "remove DeadLetterConfig")
            if any(mode == "Active" for mode, _ in owner.get(props.get("TracingConfig"), "Mode")):
                yield RuleMatch(use.function_path(values, "TracingConfig"),
                                f"{name}: active X-Ray tracing may be refused at the edge; "
                                "use PassThrough")
            if any(number(v) is not None for v in
                   owner.scalars(props.get("ReservedConcurrentExecutions"))):
                yield RuleMatch(use.function_path(values, "ReservedConcurrentExecutions"),
                                f"{name}: reserved concurrency may be refused at the edge; "
                                "remove ReservedConcurrentExecutions")


class EdgeLimits(preflight.EdgeRule):
    id = "E9104"
    shortdesc = "Lambda@Edge memory or timeout over the trigger's limit"
    description = "Viewer triggers: 128 MB and 5 s at most; origin triggers: 30 s at most."
    source_url = QUOTAS
    tags = ["lambda@edge"]

    def check(self, cfn, values):
        for use, props in _functions(self, values):
            limits = edge_rules.limits_for(use.event_type)
            for key, limit, say in (
                    ("MemorySize", limits["memory_mb"], "{v} MB; a {e} function may have at "
                                                        "most {l} MB"),
                    ("Timeout", limits["timeout_s"], "a timeout of {v} s; a {e} function may "
                                                     "run at most {l} s")):
                found = [number(v) for v in use.owner.scalars(props.get(key))]
                worst = max((v for v in found if v is not None), default=None)
                if worst is not None and worst > limit:
                    yield RuleMatch(use.function_path(values, key),
                                    f"{use.function_name(values)} has " + say.format(
                                        v=worst, e=use.event_type, l=limit))


class EdgeRuntime(preflight.EdgeRule):
    id = "E9105"
    shortdesc = "Runtime Lambda@Edge cannot run, or Lambda no longer creates"
    description = ("Lambda@Edge runs Node.js and Python zip functions; Lambda blocks creating "
                   "functions on a runtime past its dated deprecation (cfn-lint's runtime "
                   "lifecycle data, read by runtimes.py).")
    source_url = runtimes.SOURCE
    tags = ["lambda@edge"]

    def check(self, cfn, values):
        today = _as_of()
        for use, props in _functions(self, values):
            name, where = use.function_name(values), use.function_path(values, "Runtime")
            if "Image" in use.owner.scalars(props.get("PackageType")):
                yield RuleMatch(use.function_path(values, "PackageType"),
                                f"{name}: container images cannot run at the edge; use a zip "
                                "package")
                continue
            for runtime in use.owner.scalars(props.get("Runtime")):
                if not isinstance(runtime, str) or not known(runtime):
                    continue
                if not runtimes.runs_at_edge(runtime):
                    yield RuleMatch(where, (
                        f"{name}: runtime {runtime} is not supported at the edge; Lambda@Edge "
                        f"runs {' and '.join(runtimes.EDGE_FAMILIES)} (move to "
                        f"{runtimes.newest('nodejs')} or {runtimes.newest('python')})"))
                    continue
                verdict = runtimes.judge(runtime, today)
                if verdict.level == "error":
                    yield RuleMatch(where, f"{name}: {verdict.message}")
                elif verdict.level == "warning":
                    yield RuleMatch(where, f"{name}: {verdict.message}", rule=DeprecatedRuntime())


class DeprecatedRuntime(CloudFormationLintRule):
    """Given by E9105's check; registered so that --ignore-checks W9105 can silence it."""
    id = "W9105"
    shortdesc = "Runtime deprecated, or deprecated within 90 days, or unknown to the data"
    description = ("Lambda still creates such functions, but no longer patches the runtime; "
                   "or the runtime is newer than cfn-lint's lifecycle data knows.")
    source_url = runtimes.SOURCE
    tags = ["lambda@edge"]

    def match(self, cfn):
        return []


class EdgeRoleTrust(preflight.EdgeRule):
    id = "E9106"
    shortdesc = "Lambda@Edge execution role does not trust edgelambda.amazonaws.com"
    description = "The role must trust both lambda.amazonaws.com and edgelambda.amazonaws.com."
    source_url = SOURCE
    tags = ["lambda@edge", "iam"]

    def check(self, cfn, values):
        for use, props in _functions(self, values):
            owner, name = use.owner, use.function_name(values)
            made_by_sam = sam_role_trust(owner.template, use.function_id)
            if made_by_sam is not None:
                if self._trusts(owner, made_by_sam) is False:
                    yield RuleMatch(use.function_path(values), (
                        f"the role SAM makes for {name} trusts only lambda.amazonaws.com; add "
                        f"{edge_rules.EDGE_SERVICE_PRINCIPAL} in its AssumeRolePolicyDocument, "
                        "or give it a Role that trusts both"))
                continue
            for role in owner.scalars(props.get("Role")):
                role_id = getattr(role, "logical_id", None)
                resource = as_dict(owner.resources.get(role_id))
                if resource.get("Type") != "AWS::IAM::Role":
                    continue  # an external role cannot be checked here
                if self._trusts(owner, properties(resource).get("AssumeRolePolicyDocument")) \
                        is False:
                    where = ["Resources", role_id, "Properties", "AssumeRolePolicyDocument"] \
                        if owner is values else use.path
                    yield RuleMatch(where, (
                        f"{role_id}, the role of {name}, does not trust "
                        f"{edge_rules.EDGE_SERVICE_PRINCIPAL}; add it as a service principal"))

    @staticmethod
    def _trusts(owner, document):
        """Whether a trust policy names the edge principal; None when part of it cannot be
        read (a principal may hide there)."""
        texts = owner.texts(document)
        if any(not known(text) for text in texts):
            return None
        return any(edge_rules.EDGE_SERVICE_PRINCIPAL in text for text in texts)


class ZeroTtlCacheKey(preflight.EdgeRule):
    id = "E9107"
    shortdesc = "Cache policy with caching disabled puts values in the cache key"
    description = ("With every TTL at 0, headers, cookies, query strings, gzip and brotli must "
                   "stay out of the cache key, or CloudFormation fails at deploy.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html"
    tags = ["cloudfront"]

    def check(self, cfn, values):
        for policy_id, policy in resources(values.template, "AWS::CloudFront::CachePolicy").items():
            self.reading = policy_id
            base = ["Resources", policy_id, "Properties"]
            for config, at in values.get(policy.get("Properties"), "CachePolicyConfig", base):
                if not isinstance(config, dict) or not all(
                        [number(v) for v in values.scalars(config.get(k))] == [0]
                        for k in ("MinTTL", "DefaultTTL", "MaxTTL")):
                    continue
                for key, path in values.get(config, "ParametersInCacheKeyAndForwardedToOrigin", at):
                    yield from self._key_problems(values, policy_id, key, path)

    @staticmethod
    def _key_problems(values, policy_id, key, path):
        for name, field in (("HeadersConfig", "HeaderBehavior"),
                            ("CookiesConfig", "CookieBehavior"),
                            ("QueryStringsConfig", "QueryStringBehavior")):
            for behavior, where in values.get(key.get(name), field, path + [name]) \
                    if isinstance(key, dict) else ():
                if isinstance(behavior, str) and known(behavior) and behavior != "none":
                    yield RuleMatch(where, (
                        f"{policy_id} disables caching (all TTLs 0) but its {field} is "
                        f"{behavior}; set it to none and forward values with an origin "
                        "request policy instead"))
        for flag in ("EnableAcceptEncodingGzip", "EnableAcceptEncodingBrotli"):
            for value, where in values.get(key, flag, path):
                if boolean(value):
                    yield RuleMatch(where, (
                        f"{policy_id} disables caching (all TTLs 0) but sets {flag}; set it "
                        "to false"))


class AlbOriginProtocol(preflight.EdgeRule):
    id = "E9108"
    shortdesc = "ALB origin reached over HTTPS without an HTTPS listener"
    description = "https-only or match-viewer to an ALB with no HTTPS listener gives 502 always."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html"
    tags = ["cloudfront", "elb"]

    def check(self, cfn, values):
        listeners = resources(values.template, "AWS::ElasticLoadBalancingV2::Listener").values()
        albs = resources(values.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        for dist_id, dist in resources(values.template, "AWS::CloudFront::Distribution").items():
            self.reading = dist_id
            base = ["Resources", dist_id, "Properties"]
            for config, at in values.get(dist.get("Properties"), "DistributionConfig", base):
                for origins, where in values.get(config, "Origins", at):
                    for origin, path in values.items(origins, where):
                        yield from self._origin(values, origin, path, albs, listeners)

    @staticmethod
    def _origin(values, origin, path, albs, listeners):
        if not isinstance(origin, dict):
            return
        alb_ids = {getattr(d, "logical_id", None) for d in values.scalars(origin.get("DomainName"))}
        for alb_id in alb_ids & set(albs):
            policies = [p for p, _ in values.get(origin.get("CustomOriginConfig"),
                                                 "OriginProtocolPolicy")]
            https = [listener for listener in listeners
                     if alb_id in {getattr(v, "logical_id", None) for v in
                                   values.scalars(properties(listener).get("LoadBalancerArn"))}
                     and "HTTPS" in values.scalars(properties(listener).get("Protocol"))]
            for policy in policies:
                if policy in ("https-only", "match-viewer") and not https:
                    yield RuleMatch(
                        path + ["CustomOriginConfig", "OriginProtocolPolicy"],
                        f"origin {origin.get('Id')} reaches {alb_id} with {policy}, but {alb_id} "
                        "has no HTTPS listener: every request would get 502; use http-only "
                        "(in CDK: protocol_policy=OriginProtocolPolicy.HTTP_ONLY) or add an "
                        "HTTPS listener")


class IncludeBodyOnResponse(preflight.EdgeRule):
    id = "E9109"
    shortdesc = "IncludeBody on a response trigger"
    description = "Only viewer-request and origin-request triggers can receive the body."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-include-body-access.html"
    tags = ["lambda@edge", "cloudfront"]

    def check(self, cfn, values):
        for use in edge_uses(values):
            if use.include_body and use.event_type in edge_rules.RESPONSE_TRIGGERS:
                yield RuleMatch(use.path + ["IncludeBody"], (
                    f"{use.event_type} association sets IncludeBody; only request triggers "
                    "receive the body: remove IncludeBody"))


class EdgePackageSize(preflight.EdgeRule):
    id = "E9110"
    shortdesc = "Lambda@Edge code package over the trigger's limit"
    description = "Zipped packages: 1 MB for viewer triggers, 50 MB for origin triggers."
    source_url = QUOTAS
    tags = ["lambda@edge"]

    def check(self, cfn, values):
        for use, _props in _functions(self, values):
            template = use.owner.stack.path if use.owner.stack else cfn.filename
            folder = asset_folder(template, use.owner.resources[use.function_id])
            if folder is None:
                continue  # no cdk.out asset beside the template: nothing to measure
            size, limit = zipped_size(folder), edge_rules.limits_for(use.event_type)["zipped_bytes"]
            if size > limit:
                yield RuleMatch(use.function_path(values, "Code"), (
                    f"{use.function_name(values)}'s code zips to {size:,} bytes; a "
                    f"{use.event_type} function may "
                    f"be at most {limit:,}: trim dependencies or move work to the origin"))


class DropInvalidHeaders(preflight.EdgeRule):
    id = "W9111"
    shortdesc = "ALB behind Lambda@Edge drops invalid header fields"
    description = ("routing.http.drop_invalid_header_fields.enabled silently drops header names "
                   "with underscores, such as custom_header, that an edge function adds.")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes"
    tags = ["elb", "lambda@edge"]

    def check(self, cfn, values):
        if not edge_uses(values):
            return
        for alb_id, alb in resources(values.template,
                                     "AWS::ElasticLoadBalancingV2::LoadBalancer").items():
            self.reading = alb_id
            for attribute, path in values.items(
                    properties(alb).get("LoadBalancerAttributes"),
                    ["Resources", alb_id, "Properties", "LoadBalancerAttributes"]):
                if not isinstance(attribute, dict):
                    continue
                keys = values.scalars(attribute.get("Key"))
                if edge_rules.ALB_DROP_INVALID_HEADERS in keys and \
                        any(boolean(v) for v in values.scalars(attribute.get("Value"))):
                    yield RuleMatch(
                        path,
                        f"{alb_id} drops invalid header fields while an edge function sits in "
                        "front of it: headers such as custom_header would vanish; set "
                        f"{edge_rules.ALB_DROP_INVALID_HEADERS} to false or rename the headers")
