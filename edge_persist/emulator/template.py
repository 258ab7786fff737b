"""Read what the emulator needs out of a synthesized stack in cdk.out/.

The distribution's default behavior (cache policy, origin request policy, edge
associations down to each function's code asset) and its ALB origin (listener, rules,
target groups, the origin function). Anything missing is a UsageError naming it.
"""
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from edge_persist import cfn, edge_rules
from edge_persist.emulator.environments import FunctionSpec
from edge_persist.errors import UsageError

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]+\}\}")
PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", "AWS::Partition": "aws",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "EmulatedStack",
          "AWS::NoValue": None}


@dataclass
class CachePolicy:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    query_in_key: bool = False
    headers_in_key: tuple = ()


@dataclass
class OriginRequestPolicy:
    header_behavior: str = "none"  # none, whitelist, allViewer, allViewerExceptHost...
    headers: tuple = ()
    query_behavior: str = "none"


@dataclass
class Association:
    event_type: str
    include_body: bool
    function: FunctionSpec


@dataclass
class Rule:
    priority: int
    conditions: list
    action: dict


@dataclass
class LoadBalancer:
    logical_id: str
    port: int
    rules: list
    default_action: dict
    attributes: dict = field(default_factory=dict)


@dataclass
class StackModel:
    stack_name: str
    cache_policy: CachePolicy
    origin_request_policy: OriginRequestPolicy
    associations: list
    origin_headers: dict
    load_balancer: LoadBalancer
    functions: dict  # target group logical id -> FunctionSpec
    multi_value: dict  # target group logical id -> lambda.multi_value_headers.enabled


class Resolver:
    """Just enough of CloudFormation's intrinsic functions to read names and header values.

    Dynamic references ({{resolve:secretsmanager:...}}) become a random value per emulator
    run, the same wherever the same reference appears: the per-deployment secret.
    """

    def __init__(self, resources):
        self.resources = resources
        self.secrets = {}

    def __call__(self, value):
        if isinstance(value, str):
            return DYNAMIC_REFERENCE.sub(self._secret, value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1 or not next(iter(value)).startswith(("Ref", "Fn::")):
            return {k: self(v) for k, v in value.items()}
        (fn, arg), = value.items()
        if fn == "Ref":
            return self._ref(arg)
        if fn == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return f"{name}.{attribute}"
        if fn == "Fn::Join":
            return self(arg[0].join(str(self(v)) for v in arg[1]))
        if fn == "Fn::Select":
            return self(self(arg[1])[int(self(arg[0]))])
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            return self(re.sub(r"\$\{([^}]+)\}", lambda m: str(self._ref(m.group(1))), text))
        return value

    def _secret(self, match):
        return self.secrets.setdefault(match.group(0), secrets.token_hex(20))

    def _ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        props = self.resources.get(name, {}).get("Properties", {})
        for key in ("FunctionName", "Name"):
            if isinstance(props.get(key), str):
                return props[key]
        return name


class StackReader:
    def __init__(self, cdk_out, stack_name=None):
        self.cdk_out = Path(cdk_out).resolve()  # workers run with their code dir as cwd
        found = {name: path for name, path, _ in cfn.stacks(self.cdk_out)}
        if stack_name is None and len(found) != 1:
            raise UsageError(f"{self.cdk_out} holds {len(found)} stacks; name one")
        self.stack_name = stack_name or next(iter(found))
        self.path = found.get(self.stack_name)
        if self.path is None or not self.path.is_file():
            raise UsageError(f"stack {self.stack_name} is not in {self.cdk_out}: run `make synth`")
        self.template = cfn.read_json(self.path)
        if not isinstance(self.template, dict):
            raise UsageError(f"{self.path} is not a CloudFormation template")
        self.resources = self.template.get("Resources", {})
        self.resolve = Resolver(self.resources)

    # --- helpers ------------------------------------------------------------------------

    def _of_type(self, type_name):
        return cfn.resources(self.template, type_name)

    def _resource(self, ref, type_name, what):
        logical = cfn.logical_id(ref)
        resource = self.resources.get(logical)
        if not resource or resource.get("Type") != type_name:
            raise UsageError(f"{what}: expected a {type_name} in this template, found {ref!r}")
        return logical, resource.get("Properties", {})

    def function(self, logical_id, props, edge, version="$LATEST"):
        code_dir = cfn.asset_folder(self.path, self.resources[logical_id])
        if code_dir is None:
            raise UsageError(f"function {logical_id}: its code asset is not in {self.cdk_out}")
        runtime = props.get("Runtime", "")
        if not runtime.startswith("python"):
            raise UsageError(f"function {logical_id}: runtime {runtime or '(none)'}; the "
                             "emulator runs Python functions only")
        variables = self.resolve(props.get("Environment", {}).get("Variables", {}))
        return FunctionSpec(
            name=self.resolve(props.get("FunctionName")) or logical_id, code_dir=code_dir,
            handler=props.get("Handler", "index.handler"), runtime=runtime,
            memory_mb=int(props.get("MemorySize", 128)), timeout_s=float(props.get("Timeout", 3)),
            version=version, edge=edge,
            environment={k: str(v) for k, v in variables.items()})

    # --- the distribution ---------------------------------------------------------------

    def read(self):
        distributions = self._of_type("AWS::CloudFront::Distribution")
        if len(distributions) != 1:
            raise UsageError(f"{self.stack_name}: expected one AWS::CloudFront::Distribution, "
                             f"found {len(distributions)}")
        config = next(iter(distributions.values()))["Properties"]["DistributionConfig"]
        behavior = config.get("DefaultCacheBehavior")
        if not behavior:
            raise UsageError(f"{self.stack_name}: the distribution has no DefaultCacheBehavior")
        origin = next((o for o in config.get("Origins", [])
                       if o.get("Id") == behavior.get("TargetOriginId")), None)
        if origin is None:
            raise UsageError(f"{self.stack_name}: the default behavior's origin "
                             f"{behavior.get('TargetOriginId')!r} is not among the Origins")
        load_balancer, functions, multi_value = self._load_balancer(origin)
        return StackModel(
            stack_name=self.stack_name,
            cache_policy=self._cache_policy(behavior),
            origin_request_policy=self._origin_request_policy(behavior),
            associations=[self._association(a) for a in
                          behavior.get("LambdaFunctionAssociations", [])],
            origin_headers={h["HeaderName"]: self.resolve(h["HeaderValue"])
                            for h in origin.get("OriginCustomHeaders", [])},
            load_balancer=load_balancer, functions=functions, multi_value=multi_value)

    def _cache_policy(self, behavior):
        ref = behavior.get("CachePolicyId")
        if ref is None:  # legacy settings on the behavior itself
            return CachePolicy(behavior.get("MinTTL", 0), behavior.get("DefaultTTL", 86400),
                               behavior.get("MaxTTL", 31536000))
        if isinstance(ref, str):
            if ref not in edge_rules.MANAGED_CACHE_POLICIES:
                raise UsageError(f"cache policy {ref} is neither in the template nor a known "
                                 "managed policy")
            return CachePolicy(**edge_rules.MANAGED_CACHE_POLICIES[ref])
        _, props = self._resource(ref, "AWS::CloudFront::CachePolicy", "the cache policy")
        config = props["CachePolicyConfig"]
        key = config.get("ParametersInCacheKeyAndForwardedToOrigin", {})
        headers = key.get("HeadersConfig", {})
        return CachePolicy(
            float(config.get("MinTTL", 0)), float(config.get("DefaultTTL", 86400)),
            float(config.get("MaxTTL", 31536000)),
            query_in_key=key.get("QueryStringsConfig", {}).get("QueryStringBehavior", "none")
            != "none",
            headers_in_key=tuple(h.lower() for h in headers.get("Headers", [])))

    def _origin_request_policy(self, behavior):
        ref = behavior.get("OriginRequestPolicyId")
        if ref is None:
            return OriginRequestPolicy()
        if isinstance(ref, str):
            if ref not in edge_rules.MANAGED_ORIGIN_REQUEST_POLICIES:
                raise UsageError(f"origin request policy {ref} is neither in the template nor a "
                                 "known managed policy")
            return OriginRequestPolicy(edge_rules.MANAGED_ORIGIN_REQUEST_POLICIES[ref], (), "all")
        _, props = self._resource(ref, "AWS::CloudFront::OriginRequestPolicy",
                                  "the origin request policy")
        config = props["OriginRequestPolicyConfig"]
        headers = config.get("HeadersConfig", {})
        return OriginRequestPolicy(
            headers.get("HeaderBehavior", "none"),
            tuple(h.lower() for h in headers.get("Headers", [])),
            config.get("QueryStringsConfig", {}).get("QueryStringBehavior", "none"))

    def _association(self, association):
        event_type = association.get("EventType")
        version_id, version = self._resource(association.get("LambdaFunctionARN"),
                                             "AWS::Lambda::Version",
                                             f"the {event_type} association")
        fn_ref = version.get("FunctionName")
        fn_id, fn_props = self._resource(fn_ref, "AWS::Lambda::Function",
                                         f"version {version_id}")
        return Association(event_type, bool(association.get("IncludeBody")),
                           self.function(fn_id, fn_props, edge=True, version="1"))

    # --- the ALB origin ---------------------------------------------------------------

    def _load_balancer(self, origin):
        alb_id, alb = self._resource(origin.get("DomainName"),
                                     "AWS::ElasticLoadBalancingV2::LoadBalancer",
                                     "the default behavior's origin")
        custom = origin.get("CustomOriginConfig", {})
        https = custom.get("OriginProtocolPolicy", "https-only") == "https-only"
        port = int(custom.get("HTTPSPort" if https else "HTTPPort", 443 if https else 80))
        listeners = {k: v["Properties"] for k, v in
                     self._of_type("AWS::ElasticLoadBalancingV2::Listener").items()
                     if v["Properties"].get("LoadBalancerArn") == {"Ref": alb_id}
                     and int(v["Properties"].get("Port", 0)) == port}
        if not listeners:
            raise UsageError(f"load balancer {alb_id} has no listener on port {port}, which the "
                             "distribution's origin uses")
        listener_id, listener = next(iter(listeners.items()))
        rules = sorted((Rule(int(p["Priority"]), self.resolve(p.get("Conditions", [])),
                             p["Actions"][0])
                        for p in (v["Properties"] for v in self._of_type(
                            "AWS::ElasticLoadBalancingV2::ListenerRule").values())
                        if p.get("ListenerArn") == {"Ref": listener_id}),
                       key=lambda r: r.priority)
        attributes = {a["Key"]: str(a["Value"]) for a in alb.get("LoadBalancerAttributes", [])}
        model = LoadBalancer(alb_id, port, rules, listener["DefaultActions"][0], attributes)
        functions, multi_value = {}, {}
        for action in [r.action for r in rules] + [model.default_action]:
            if action.get("Type") == "forward":
                group_id = action["TargetGroupArn"]["Ref"]
                functions[group_id] = self._lambda_target(group_id)
                attributes = {a["Key"]: str(a["Value"]).lower() for a in self.resources[group_id]
                              ["Properties"].get("TargetGroupAttributes", [])}
                multi_value[group_id] = attributes.get(edge_rules.ALB_MULTI_VALUE_HEADERS) == "true"
        if not functions:
            raise UsageError(f"load balancer {alb_id}: no listener rule forwards to a Lambda "
                             "target group")
        return model, functions, multi_value

    def _lambda_target(self, group_id):
        group = self.resources[group_id]["Properties"]
        targets = group.get("Targets", [])
        if group.get("TargetType") != "lambda" or not targets:
            raise UsageError(f"target group {group_id} is not a Lambda target group")
        fn_id, fn_props = self._resource(targets[0]["Id"], "AWS::Lambda::Function",
                                         f"target group {group_id}")
        return self.function(fn_id, fn_props, edge=False)
