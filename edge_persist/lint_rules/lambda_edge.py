"""Lambda@Edge preflight rules for cfn-lint: cross-resource mistakes that pass `cdk synth`
and fail only during a 15-minute CloudFront deploy.

    cfn-lint --append-rules edge_persist/lint_rules --regions us-east-1 -- template.json

E91xx are errors, W91xx warnings. Limits and lists come from edge_persist/edge_rules.py.
"""
import sys
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint imports this file by path; put the project on sys.path for its shared facts.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from edge_persist import edge_rules  # noqa: E402
from edge_persist.cfn import as_dict, asset_folder, logical_id, properties, resources  # noqa: E402
from edge_persist.preflight import (FUNCTION_ARN, FUNCTION_TYPES, alternatives,  # noqa: E402
                                    edge_uses, function_properties, list_items, literal_text,
                                    stack_region, zipped_size)

SOURCE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html"


def _functions(cfn):
    """(use, function logical id, its properties) for each association of a traced function."""
    for use in edge_uses(cfn.template):
        if use.function_id:
            yield use, use.function_id, function_properties(cfn.template, use.function_id)


def _unversioned(use):
    """Why CloudFront will refuse this association's ARN; None when it is, or may be, a
    numbered version. Parameters, imports, custom-resource outputs and SAM's Fn.Version
    cannot be judged before deploy, so they pass: only what is provably wrong fires."""
    target = logical_id(use.arn)
    if use.target_type in FUNCTION_TYPES:
        what = "name" if "Ref" in use.arn else "unqualified ARN"
        return f"it gives the {what} of the function {target}, not a numbered version"
    if use.target_type == "AWS::Lambda::Alias":
        return f"it points at the alias {target}; CloudFront takes numbered versions only"
    if isinstance(use.arn, str):
        literal = FUNCTION_ARN.match(use.arn)
        if literal and not (literal.group(3) or "").isdigit():
            return (f"the ARN {use.arn} names {literal.group(3) or 'no version'}, not a "
                    "numbered version")
    elif "$LATEST" in literal_text(use.arn):
        return "the ARN it builds ends in $LATEST"
    return None


def _fn_path(function_id, *rest):
    return ["Resources", function_id, "Properties", *rest]


class EdgeFunctionRegion(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "Lambda@Edge function outside us-east-1"
    description = "A function associated with a distribution must be created in us-east-1."
    source_url = SOURCE
    tags = ["lambda@edge", "cloudfront"]

    def match(self, cfn):
        matches = []
        region = stack_region(cfn.regions)
        for use in edge_uses(cfn.template):
            arn = use.arn if isinstance(use.arn, str) else None
            literal = FUNCTION_ARN.match(arn or "")
            where = literal.group(1) if literal else (region if use.function_id else None)
            if where and where != edge_rules.EDGE_REGION:
                matches.append(RuleMatch(use.path, (
                    f"{use.function_id or arn} ({use.event_type}) is in {where}; Lambda@Edge "
                    f"functions must be created in us-east-1: deploy this stack to us-east-1 "
                    f"or reference a us-east-1 function version")))
        return matches


class EdgeNumberedVersion(CloudFormationLintRule):
    id = "E9102"
    shortdesc = "Lambda@Edge association without a numbered version"
    description = "CloudFront refuses $LATEST, aliases and unversioned function ARNs."
    source_url = SOURCE
    tags = ["lambda@edge", "cloudfront"]

    def match(self, cfn):
        matches = []
        for use in edge_uses(cfn.template):
            problem = _unversioned(use)
            if problem:
                matches.append(RuleMatch(use.path, (
                    f"{use.event_type} association: {problem}; reference an "
                    "AWS::Lambda::Version (in CDK: fn.current_version; in SAM: !Ref Fn.Version)")))
        return matches


class EdgeUnsupportedSettings(CloudFormationLintRule):
    id = "E9103"
    shortdesc = "Lambda@Edge function uses a setting the edge does not support"
    description = ("No environment variables, layers, VPC, arm64, provisioned concurrency or "
                   "ephemeral storage above 512 MB at the edge.")
    source_url = SOURCE
    tags = ["lambda@edge"]

    def match(self, cfn):
        matches = []
        all_resources = as_dict(cfn.template.get("Resources"))
        for use, fn_id, props in _functions(cfn):
            problems = []
            if any(as_dict(env).get("Variables")
                   for env, _ in alternatives(props.get("Environment"), [])):
                problems.append((["Environment"], "has environment variables; bake "
                                 "configuration into the code asset"))
            if props.get("Layers"):
                problems.append((["Layers"], "uses layers; bundle them into the code asset"))
            if props.get("VpcConfig"):
                problems.append((["VpcConfig"], "is attached to a VPC; remove VpcConfig"))
            architectures = props.get("Architectures")
            if isinstance(architectures, list) and architectures and \
                    edge_rules.EDGE_ARCHITECTURE not in architectures:
                problems.append((["Architectures"], "is not x86_64; use x86_64"))
            storage = as_dict(props.get("EphemeralStorage")).get("Size", 512)
            if isinstance(storage, int) and storage > edge_rules.MAX_EPHEMERAL_STORAGE_MB:
                problems.append((["EphemeralStorage"], f"has {storage} MB of ephemeral storage; "
                                 f"at most {edge_rules.MAX_EPHEMERAL_STORAGE_MB} MB"))
            for path, problem in problems:
                matches.append(RuleMatch(_fn_path(fn_id, *path),
                                         f"{fn_id} ({use.event_type}) {problem}"))
            if use.version_id and properties(all_resources[use.version_id]).get(
                    "ProvisionedConcurrencyConfig"):
                matches.append(RuleMatch(["Resources", use.version_id, "Properties",
                                          "ProvisionedConcurrencyConfig"],
                                         f"{use.version_id}: provisioned concurrency is not "
                                         "supported at the edge; remove it"))
        return matches


class EdgeDiscouragedSettings(CloudFormationLintRule):
    id = "W9103"
    shortdesc = "Lambda@Edge function uses a dead-letter queue or active tracing"
    description = "Older Lambda@Edge restrictions list DLQs and X-Ray as unsupported."
    source_url = SOURCE
    tags = ["lambda@edge"]

    def match(self, cfn):
        matches = []
        for _use, fn_id, props in _functions(cfn):
            if props.get("DeadLetterConfig"):
                matches.append(RuleMatch(_fn_path(fn_id, "DeadLetterConfig"),
                                         f"{fn_id}: a dead-letter queue may be refused at the "
                                         "edge; remove DeadLetterConfig"))
            if as_dict(props.get("TracingConfig")).get("Mode") == "Active":
                matches.append(RuleMatch(_fn_path(fn_id, "TracingConfig"),
                                         f"{fn_id}: active X-Ray tracing may be refused at the "
                                         "edge; use PassThrough"))
        return matches


class EdgeLimits(CloudFormationLintRule):
    id = "E9104"
    shortdesc = "Lambda@Edge memory or timeout over the trigger's limit"
    description = "Viewer triggers: 128 MB and 5 s at most; origin triggers: 30 s at most."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
    tags = ["lambda@edge"]

    def match(self, cfn):
        matches = []
        for use, fn_id, props in _functions(cfn):
            limits = edge_rules.limits_for(use.event_type)
            memory, timeout = props.get("MemorySize", 128), props.get("Timeout", 3)
            if isinstance(memory, int) and memory > limits["memory_mb"]:
                matches.append(RuleMatch(_fn_path(fn_id, "MemorySize"), (
                    f"{fn_id} has {memory} MB; a {use.event_type} function may have at most "
                    f"{limits['memory_mb']} MB")))
            if isinstance(timeout, (int, float)) and timeout > limits["timeout_s"]:
                matches.append(RuleMatch(_fn_path(fn_id, "Timeout"), (
                    f"{fn_id} times out after {timeout} s; a {use.event_type} function may run "
                    f"at most {limits['timeout_s']} s")))
        return matches


class EdgeRuntime(CloudFormationLintRule):
    id = "E9105"
    shortdesc = "Runtime not supported by Lambda@Edge"
    description = "Lambda@Edge runs only some Node.js and Python runtimes, and no container images."
    source_url = SOURCE
    tags = ["lambda@edge"]

    def match(self, cfn):
        matches = []
        allowed = ", ".join(sorted(edge_rules.EDGE_RUNTIMES))
        for _use, fn_id, props in _functions(cfn):
            runtime = props.get("Runtime")
            if props.get("PackageType") == "Image":
                matches.append(RuleMatch(_fn_path(fn_id, "PackageType"),
                                         f"{fn_id}: container images cannot run at the edge; "
                                         "use a zip package"))
            elif isinstance(runtime, str) and runtime not in edge_rules.EDGE_RUNTIMES:
                matches.append(RuleMatch(_fn_path(fn_id, "Runtime"),
                                         f"{fn_id}: runtime {runtime} is not supported at the "
                                         f"edge; use one of {allowed}"))
        return matches


class EdgeRoleTrust(CloudFormationLintRule):
    id = "E9106"
    shortdesc = "Lambda@Edge execution role does not trust edgelambda.amazonaws.com"
    description = "The role must trust both lambda.amazonaws.com and edgelambda.amazonaws.com."
    source_url = SOURCE
    tags = ["lambda@edge", "iam"]

    def match(self, cfn):
        matches = []
        all_resources = as_dict(cfn.template.get("Resources"))
        for _use, fn_id, props in _functions(cfn):
            role_id = logical_id(props.get("Role"))
            if as_dict(all_resources.get(role_id)).get("Type") != "AWS::IAM::Role":
                continue  # an external role cannot be checked here
            document = properties(all_resources[role_id]).get("AssumeRolePolicyDocument", {})
            if edge_rules.EDGE_SERVICE_PRINCIPAL not in str(document):
                matches.append(RuleMatch(
                    ["Resources", role_id, "Properties", "AssumeRolePolicyDocument"],
                    f"{role_id}, the role of {fn_id}, does not trust "
                    f"{edge_rules.EDGE_SERVICE_PRINCIPAL}; add it as a service principal"))
        return matches


class ZeroTtlCacheKey(CloudFormationLintRule):
    id = "E9107"
    shortdesc = "Cache policy with caching disabled puts values in the cache key"
    description = ("With every TTL at 0, headers, cookies, query strings, gzip and brotli must "
                   "stay out of the cache key, or CloudFormation fails at deploy.")
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html"
    tags = ["cloudfront"]

    def match(self, cfn):
        matches = []
        for policy_id, policy in resources(cfn.template, "AWS::CloudFront::CachePolicy").items():
            config = as_dict(properties(policy).get("CachePolicyConfig"))
            if any(config.get(k) not in (0, "0") for k in ("MinTTL", "DefaultTTL", "MaxTTL")):
                continue
            key = as_dict(config.get("ParametersInCacheKeyAndForwardedToOrigin"))
            path = ["Resources", policy_id, "Properties", "CachePolicyConfig",
                    "ParametersInCacheKeyAndForwardedToOrigin"]
            for name, field in (("HeadersConfig", "HeaderBehavior"),
                                ("CookiesConfig", "CookieBehavior"),
                                ("QueryStringsConfig", "QueryStringBehavior")):
                if as_dict(key.get(name)).get(field, "none") != "none":
                    matches.append(RuleMatch(path + [name, field], (
                        f"{policy_id} disables caching (all TTLs 0) but its {field} is "
                        f"{key[name][field]}; set it to none and forward values with an origin "
                        "request policy instead")))
            for flag in ("EnableAcceptEncodingGzip", "EnableAcceptEncodingBrotli"):
                if key.get(flag) in (True, "true"):
                    matches.append(RuleMatch(path + [flag], (
                        f"{policy_id} disables caching (all TTLs 0) but sets {flag}; set it "
                        "to false")))
        return matches


class AlbOriginProtocol(CloudFormationLintRule):
    id = "E9108"
    shortdesc = "ALB origin reached over HTTPS without an HTTPS listener"
    description = "https-only or match-viewer to an ALB with no HTTPS listener gives 502 always."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html"
    tags = ["cloudfront", "elb"]

    def match(self, cfn):
        matches = []
        listeners = resources(cfn.template, "AWS::ElasticLoadBalancingV2::Listener").values()
        albs = resources(cfn.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        for dist_id, dist in resources(cfn.template, "AWS::CloudFront::Distribution").items():
            config = as_dict(properties(dist).get("DistributionConfig"))
            base = ["Resources", dist_id, "Properties", "DistributionConfig", "Origins"]
            for origin, path in list_items(config.get("Origins"), base):
                origin = as_dict(origin)
                alb_id = logical_id(origin.get("DomainName"))
                policy = as_dict(origin.get("CustomOriginConfig")).get("OriginProtocolPolicy")
                if alb_id not in albs or policy not in ("https-only", "match-viewer"):
                    continue
                https = [listener for listener in listeners
                         if properties(listener).get("LoadBalancerArn") == {"Ref": alb_id}
                         and properties(listener).get("Protocol") == "HTTPS"]
                if not https:
                    matches.append(RuleMatch(
                        path + ["CustomOriginConfig", "OriginProtocolPolicy"],
                        f"origin {origin.get('Id')} reaches {alb_id} with {policy}, but {alb_id} "
                        "has no HTTPS listener: every request would get 502; use http-only "
                        "(in CDK: protocol_policy=OriginProtocolPolicy.HTTP_ONLY) or add an "
                        "HTTPS listener"))
        return matches


class IncludeBodyOnResponse(CloudFormationLintRule):
    id = "E9109"
    shortdesc = "IncludeBody on a response trigger"
    description = "Only viewer-request and origin-request triggers can receive the body."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-include-body-access.html"
    tags = ["lambda@edge", "cloudfront"]

    def match(self, cfn):
        return [RuleMatch(use.path + ["IncludeBody"], (
            f"{use.event_type} association sets IncludeBody; only request triggers receive "
            "the body: remove IncludeBody"))
            for use in edge_uses(cfn.template)
            if use.include_body and use.event_type in edge_rules.RESPONSE_TRIGGERS]


class EdgePackageSize(CloudFormationLintRule):
    id = "E9110"
    shortdesc = "Lambda@Edge code package over the trigger's limit"
    description = "Zipped packages: 1 MB for viewer triggers, 50 MB for origin triggers."
    source_url = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
    tags = ["lambda@edge"]

    def match(self, cfn):
        matches = []
        all_resources = as_dict(cfn.template.get("Resources"))
        for use, fn_id, _props in _functions(cfn):
            folder = asset_folder(cfn.filename, all_resources[fn_id])
            if folder is None:
                continue  # no cdk.out assets beside the template: nothing to measure
            size, limit = zipped_size(folder), edge_rules.limits_for(use.event_type)["zipped_bytes"]
            if size > limit:
                matches.append(RuleMatch(_fn_path(fn_id, "Code"), (
                    f"{fn_id}'s code zips to {size:,} bytes; a {use.event_type} function may "
                    f"be at most {limit:,}: trim dependencies or move work to the origin")))
        return matches


class DropInvalidHeaders(CloudFormationLintRule):
    id = "W9111"
    shortdesc = "ALB behind Lambda@Edge drops invalid header fields"
    description = ("routing.http.drop_invalid_header_fields.enabled silently drops header names "
                   "with underscores, such as custom_header, that an edge function adds.")
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes"
    tags = ["elb", "lambda@edge"]

    def match(self, cfn):
        if not edge_uses(cfn.template):
            return []
        matches = []
        for alb_id, alb in resources(cfn.template,
                                     "AWS::ElasticLoadBalancingV2::LoadBalancer").items():
            for attribute, path in list_items(
                    properties(alb).get("LoadBalancerAttributes"),
                    ["Resources", alb_id, "Properties", "LoadBalancerAttributes"]):
                attribute = as_dict(attribute)
                if attribute.get("Key") == edge_rules.ALB_DROP_INVALID_HEADERS and \
                        str(attribute.get("Value")).lower() == "true":
                    matches.append(RuleMatch(
                        path,
                        f"{alb_id} drops invalid header fields while an edge function sits in "
                        "front of it: headers such as custom_header would vanish; set "
                        f"{edge_rules.ALB_DROP_INVALID_HEADERS} to false or rename the headers"))
        return matches
