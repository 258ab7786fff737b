"""Read what the emulator needs out of a synthesized stack in cdk.out/.

Every distribution: its behaviors in order (policies, Lambda@Edge associations down to
each function's code asset, CloudFront Function associations down to each function's code
and key value store), its origins and origin groups; every ALB (listener, rules, Lambda
target groups) and Function URL. Anything the emulator needs and cannot find is a
UsageError naming it; anything it reads but does not emulate is a warning line.
"""
import hashlib
import re
import secrets
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from edge_persist import cfn, edge_rules
from edge_persist.assembly import CROSS_REGION_READER, Assembly
from edge_persist.emulator.cloudfront import behaviors, response_headers, signed_urls, unsupported
from edge_persist.emulator.cloudfront_functions import runtime as cloudfront_functions
from edge_persist.emulator.cloudfront import origins as origins_
from edge_persist.emulator.cloudfront.behaviors import Association, Behavior
from edge_persist.emulator.cloudfront.policies import read_cache_policy, read_request_policy
from edge_persist.emulator.cloudfront.websites import website_domain
from edge_persist.emulator.environments import languages
from edge_persist.emulator.lambda_edge import restrictions
from edge_persist.emulator.environments.pool import LambdaFunctionSpec
from edge_persist.errors import UsageError
from edge_persist.forecast import access_logs

DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]+\}\}")
NO_VALUE = {"Ref": "AWS::NoValue"}
PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", "AWS::Partition": "aws",
          "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "EmulatedStack",
          "AWS::NoValue": None}
# The file CloudFormation writes inline code (Code.ZipFile) to, by runtime family.
INLINE_FILE = {"nodejs": "index.js", "python": "index.py"}


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
    functions: dict = field(default_factory=dict)    # target group logical id -> LambdaFunctionSpec
    multi_value: dict = field(default_factory=dict)  # target group -> multi-value headers on


@dataclass
class Logging:
    """DistributionConfig.Logging: where standard logs go."""
    bucket: str               # a bucket of the template (logical id) or a bucket's name
    prefix: str = ""
    include_cookies: bool = False


@dataclass(frozen=True)
class LogDelivery:
    """One standard logging (v2) delivery of the distribution: an AWS::Logs::Delivery from
    the distribution's AWS::Logs::DeliverySource (ACCESS_LOGS) to an
    AWS::Logs::DeliveryDestination ("Configure standard logging (v2)")."""
    kind: str                 # "s3" or "logs" (a CloudWatch Logs group)
    target: str               # a template bucket's logical id or a bucket's name; a group name
    output_format: str        # json, plain, w3c, raw or parquet
    fields: tuple             # RecordFields, in order
    delimiter: str = "\t"     # FieldDelimiter
    prefix: str = ""          # the bucket ARN's path, when it has one
    suffix_path: str = None   # S3SuffixPath
    hive: bool = False        # S3EnableHiveCompatiblePath
    region: str = "us-east-1"  # of the log group
    include_cookies: bool = False  # the distribution's Logging.IncludeCookies, for every log


@dataclass
class ErrorResponse:
    """One of CustomErrorResponses: what CloudFront does with an error status."""
    page_path: str = None       # ResponsePagePath: the object to answer with
    response_code: int = None   # ResponseCode: the status the viewer gets with it
    min_ttl: float = None       # ErrorCachingMinTTL: how long the error is cached


@dataclass
class Distribution:
    logical_id: str
    default_behavior: Behavior
    behaviors: list           # CacheBehaviors, in declared order
    origins: dict             # origin id -> Origin
    groups: dict              # origin group id -> OriginGroup
    default_root_object: str = ""
    mapped: dict = field(default_factory=dict)  # custom origin domain -> local URL
    logging: Logging = None
    error_responses: dict = field(default_factory=dict)  # error code -> ErrorResponse
    geo: tuple = None         # (whitelist or blacklist, countries) of GeoRestriction
    deliveries: tuple = ()    # LogDelivery: standard logging (v2)

    def all_behaviors(self):
        return [self.default_behavior, *self.behaviors]


@dataclass
class StackModel:
    stack_name: str
    path: Path
    template: dict
    resolve: object
    distributions: dict       # logical id -> Distribution
    load_balancers: dict      # logical id -> LoadBalancer
    function_urls: dict       # AWS::Lambda::Url logical id -> LambdaFunctionSpec
    warnings: list
    # AWS::CloudFront::Function logical id -> CloudFrontFunctionSpec, those behaviors use
    viewer_functions: dict = field(default_factory=dict)
    runtimes: set = field(default_factory=set)  # of the Lambda functions it runs

    @property
    def associations(self):
        """Every Lambda@Edge association of every behavior, the default behavior first."""
        return [a for d in self.distributions.values() for b in d.all_behaviors()
                for a in b.associations.values()]

    @property
    def functions(self):
        """Every ALB target function, by target group."""
        return {g: f for lb in self.load_balancers.values() for g, f in lb.functions.items()}


class Resolver:
    """Just enough of CloudFormation's intrinsic functions to read names and header values,
    as the stack would be deployed with every parameter at its default: `Ref`, `Fn::GetAtt`,
    `Fn::Sub`, `Fn::Join`, `Fn::Split`, `Fn::Select`, `Fn::FindInMap`, `Fn::ImportValue`
    (another stack's export, through `imports`), and `Fn::If` on the template's Conditions
    (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`).

    Dynamic references ({{resolve:secretsmanager:...}}) become a random value per emulator
    run, the same wherever the same reference appears: the per-deployment secret.
    """

    def __init__(self, resources, parameters=None, conditions=None, mappings=None,
                 imports=None):
        self.resources = resources
        self.parameters = parameters if isinstance(parameters, dict) else {}
        self.conditions = conditions if isinstance(conditions, dict) else {}
        self.mappings = mappings if isinstance(mappings, dict) else {}
        self.imports = imports or (lambda name: None)  # export name -> its value, or None
        self.secrets = {}
        # (logical id, "Ref" or attribute) -> the emulator's local value, for outputs.
        self.known = {}

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
        try:
            return self._intrinsic(fn, arg, value)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError):
            return str(value)  # a form the emulator cannot evaluate: a value, not a failed start

    def _intrinsic(self, fn, arg, value):
        if fn == "Ref":
            return self._ref(arg)
        if fn == "Fn::GetAtt":
            name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.known.get((name, attribute), f"{name}.{attribute}")
        if fn == "Fn::Split":
            return str(self(arg[1])).split(arg[0])
        if fn == "Fn::Join":
            parts = self(arg[1])
            return self(arg[0].join(str(v) for v in (parts if isinstance(parts, list)
                                                     else [parts])))
        if fn == "Fn::Select":
            return self(self(arg[1])[int(self(arg[0]))])
        if fn == "Fn::If":
            return self(arg[1] if self.holds(arg[0]) else arg[2])
        if fn == "Fn::ImportValue":
            found = self.imports(str(self(arg)))
            return str(value) if found is None else found
        if fn == "Fn::FindInMap":
            name, top, second = (str(self(part)) for part in arg[:3])
            return self(self.mappings[name][top][second])
        if fn == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

            def substitute(match):
                name = match.group(1)
                return str(self(variables[name]) if name in variables else self._ref(name))
            return self(re.sub(r"\$\{([^}!]+)\}", substitute, text))
        return value

    def decided(self, value):
        """`value` with its structure settled as deployed: each Fn::If replaced by the branch
        its condition takes, and every AWS::NoValue dropped from its object or list. Refs and
        the other functions stay, for the readers that follow them to resources."""
        if isinstance(value, list):
            return [v for v in map(self.decided, value) if v != NO_VALUE]
        if not isinstance(value, dict):
            return value
        branches = value.get("Fn::If") if len(value) == 1 else None
        if isinstance(branches, list) and len(branches) == 3:
            return self.decided(branches[1] if self.holds(branches[0]) else branches[2])
        settled = {k: self.decided(v) for k, v in value.items()}
        return {k: v for k, v in settled.items() if v != NO_VALUE}

    def holds(self, condition):
        """Whether a Conditions entry (by name) or a condition function is true."""
        if isinstance(condition, str):
            return self.holds(self.conditions.get(condition, False))
        if not isinstance(condition, dict) or len(condition) != 1:
            return bool(condition)
        (fn, arg), = condition.items()
        if fn == "Condition":
            return self.holds(arg)
        if fn == "Fn::Equals":
            return str(self(arg[0])) == str(self(arg[1]))
        if fn == "Fn::Not":
            return not self.holds(arg[0])
        if fn == "Fn::And":
            return all(self.holds(c) for c in arg)
        if fn == "Fn::Or":
            return any(self.holds(c) for c in arg)
        return False

    def _secret(self, match):
        return self.secrets.setdefault(match.group(0), secrets.token_hex(20))

    def _ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:  # a parameter is its default: nothing passes another
            default = (self.parameters[name] or {}).get("Default")
            return default if default is None else str(default)
        if (name, "Ref") in self.known:
            return self.known[(name, "Ref")]
        props = self.resources.get(name, {}).get("Properties", {})
        for key in ("FunctionName", "Name"):
            if isinstance(props.get(key), str):
                return props[key]
        return name


class StackReader:
    def __init__(self, cdk_out, stack_name=None, mapped=None, assembly=None, readers=None):
        """`assembly` (assembly.py) and `readers` (stack name -> StackReader) are shared by
        the readers of one cloud assembly, so each stack is read once."""
        self.cdk_out = Path(cdk_out).resolve()  # workers run with their code dir as cwd
        self.assembly = assembly or Assembly(self.cdk_out)
        self._readers = {} if readers is None else readers
        found = {stack.name: stack for stack in self.assembly.stacks}
        if stack_name is None and len(found) != 1:
            raise UsageError(f"{self.cdk_out} holds {len(found)} stacks; name one")
        self.stack_name = stack_name or next(iter(found))
        self._readers[self.stack_name] = self
        self.stack = found.get(self.stack_name)
        self.path = self.stack.path if self.stack else None
        if self.path is None or not self.path.is_file():
            raise UsageError(f"stack {self.stack_name} is not in {self.cdk_out}: run `cdk synth`")
        self.template = cfn.read_json(self.path)
        if not isinstance(self.template, dict):
            raise UsageError(f"{self.path} is not a CloudFormation template")
        cycles = cfn.cyclic_conditions(self.template.get("Conditions"))
        if cycles:
            raise UsageError(f"{self.stack_name}: conditions {', '.join(cycles)} depend on "
                             "themselves; CloudFormation refuses the template")
        self.resolve = Resolver(self.template.get("Resources", {}),
                                self.template.get("Parameters"), self.template.get("Conditions"),
                                self.template.get("Mappings"), self._import)
        # A resource whose Condition is false is not deployed: the emulator does not see it.
        self.resources = {logical: resource for logical, resource in
                          (self.template.get("Resources") or {}).items()
                          if not isinstance(resource, dict) or "Condition" not in resource
                          or self._holds(resource["Condition"])}
        self.mapped = dict(mapped or {})
        self.warnings = []
        self.viewer_functions = {}
        self.runtimes = set()  # of the Lambda functions the emulator runs
        self._importing = False  # a cycle of exports between stacks must not recurse forever

    # --- helpers ------------------------------------------------------------------------

    def _reader(self, stack):
        """The reader of another stack of the same cloud assembly, made once."""
        if stack.name not in self._readers:
            StackReader(self.cdk_out, stack.name, self.mapped, self.assembly, self._readers)
        return self._readers[stack.name]

    def _name_of(self, stack, node):
        return str(self._reader(stack).resolve(node))

    def _import(self, name):
        """Fn::ImportValue: the value another stack of the assembly exports as `name`."""
        if self._importing:
            return None
        self._importing = True
        try:
            found = self.assembly.export(name, self._name_of, self.stack)
            return None if found is None else self._reader(found[0]).resolve(found[1])
        finally:
            self._importing = False

    def _holds(self, condition):
        try:
            return self.resolve.holds(condition)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError):
            return True  # a condition the emulator cannot evaluate: the resource is kept

    def _of_type(self, type_name):
        """The deployed resources of a type: those whose Condition holds."""
        return {logical: resource for logical, resource in self.resources.items()
                if isinstance(resource, dict) and resource.get("Type") == type_name}

    def _resource(self, ref, type_name, what):
        logical = cfn.logical_id(ref)
        resource = self.resources.get(logical)
        if not resource or resource.get("Type") != type_name:
            raise UsageError(f"{what}: expected a {type_name} in this template, found {ref!r}")
        return logical, resource.get("Properties", {})

    def function(self, logical_id, props, edge, version="$LATEST"):
        runtime = props.get("Runtime", "")
        code_dir = cfn.asset_folder(self.path, self.resources[logical_id]) or \
            self._inline_code(props, runtime)
        if not languages.supported(runtime):
            self.warnings.append(f"function {logical_id}: runtime {runtime or '(none)'} is not "
                                 "emulated (Node.js and Python only); requests that reach it "
                                 "fail as an invoke error would")
        elif code_dir is None:
            raise UsageError(f"function {logical_id}: its code asset is not in {self.cdk_out}")
        self.runtimes.add(runtime)
        variables = self.resolve(props.get("Environment", {}).get("Variables", {}))
        return LambdaFunctionSpec(
            name=self.resolve(props.get("FunctionName")) or logical_id,
            code_dir=code_dir or self.cdk_out,
            handler=props.get("Handler", "index.handler"), runtime=runtime,
            memory_mb=cfn.number(self.resolve(props.get("MemorySize", 128)), 128, 10240,
                                 f"{logical_id}'s MemorySize", int),
            timeout_s=cfn.number(self.resolve(props.get("Timeout", 3)), 1, 900,
                                 f"{logical_id}'s Timeout"),
            version=version, edge=edge, logical_id=logical_id,
            cdk_path=cdk_path(self.resources[logical_id]),
            environment={k: str(v) for k, v in variables.items()})

    # --- the stack ----------------------------------------------------------------------

    def read(self):
        try:
            return self._read()
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
            raise _unreadable(self.stack_name, err) from None

    def _read(self):
        found = self._of_type("AWS::CloudFront::Distribution")
        if not found:
            raise UsageError(f"{self.stack_name}: expected an AWS::CloudFront::Distribution, "
                             "found none")
        self.public_keys = self._public_keys()
        for logical in self._of_type("AWS::S3::Bucket"):  # what a GetAtt on a bucket reads
            self.resolve.known.setdefault((logical, "WebsiteURL"),
                                          f"http://{website_domain(logical)}")
            for attribute in ("DomainName", "RegionalDomainName"):
                self.resolve.known.setdefault(
                    (logical, attribute), f"{logical.lower()}.s3.us-east-1.amazonaws.com")
        load_balancers = {alb_id: self._load_balancer(alb_id) for alb_id in
                          self._of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")}
        function_urls = {url_id: self._function_url(url_id)
                         for url_id in self._of_type("AWS::Lambda::Url")}
        distributions = {}
        for dist_id, dist in found.items():
            try:
                distributions[dist_id] = self._distribution(dist_id, dist, load_balancers)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as err:
                raise _unreadable(f"{self.stack_name}: distribution {dist_id}", err) from None
        return StackModel(self.stack_name, self.path, self.template, self.resolve,
                          distributions, load_balancers, function_urls, self.warnings,
                          self.viewer_functions, self.runtimes)

    def _public_keys(self):
        """AWS::CloudFront::PublicKey logical id -> (its local id, the key). Its Ref resolves
        to the local id, in outputs too, so a signer names it as it would name CloudFront's."""
        found = {}
        for logical, resource in self._of_type("AWS::CloudFront::PublicKey").items():
            config = resource.get("Properties", {}).get("PublicKeyConfig", {})
            key_id = signed_urls.local_key_id(self.stack_name, logical)
            self.resolve.known[(logical, "Ref")] = self.resolve.known[(logical, "Id")] = key_id
            try:
                found[logical] = (key_id, signed_urls.public_key(self.resolve(
                    config.get("EncodedKey"))))
            except (ValueError, TypeError):
                self.warnings.append(f"public key {logical}: EncodedKey is not a PEM public "
                                     "key; signatures made for it are refused")
        return found

    def _trusted_keys(self, where, refs):
        """TrustedKeyGroups -> {public key id: key}; None when the behavior has none."""
        if not refs:
            return None
        keys = {}
        for ref in refs:
            logical = cfn.logical_id(ref)
            group = self.resources.get(logical) or {}
            if group.get("Type") != "AWS::CloudFront::KeyGroup":
                self.warnings.append(f"{where}: key group {ref!r} is not in this template; "
                                     "signatures made with its keys are refused")
                continue
            items = group.get("Properties", {}).get("KeyGroupConfig", {}).get("Items") or []
            for item in items:
                known = self.public_keys.get(cfn.logical_id(item))
                if known:
                    keys[known[0]] = known[1]
        return keys

    def _distribution(self, dist_id, dist, load_balancers):
        config = self.resolve.decided(cfn.properties(dist).get("DistributionConfig"))
        if not isinstance(config, dict):
            raise UsageError(f"{self.stack_name}: distribution {dist_id} has no "
                             "DistributionConfig")
        self.warnings += unsupported.distribution(dist_id, config)
        default = config.get("DefaultCacheBehavior")
        if not default:
            raise UsageError(f"{self.stack_name}: distribution {dist_id} has no "
                             "DefaultCacheBehavior")
        origins = {o["Id"]: origins_.read_origin(o, self.resources, self.resolve, self.mapped)
                   for o in config.get("Origins", [])}
        groups = {g["Id"]: origins_.read_group(g)
                  for g in (config.get("OriginGroups") or {}).get("Items") or []}
        for origin in origins.values():
            if origin.kind == "alb" and origin.target not in load_balancers:
                raise UsageError(f"{dist_id}: origin {origin.id} names {origin.target}, which "
                                 "has no listener the emulator can serve")
            if origin.kind == "custom" and not origin.target:
                self.warnings.append(
                    f"{dist_id}: origin {origin.id} ({origin.domain}) is a custom origin; pass "
                    f"--origin {origin.domain}=http://127.0.0.1:PORT, until then it answers 502")
        behaviors = [self._behavior(dist_id, b, origins, groups)
                     for b in config.get("CacheBehaviors") or []]
        return Distribution(dist_id, self._behavior(dist_id, default, origins, groups),
                            behaviors, origins, groups,
                            self.resolve(config.get("DefaultRootObject") or ""), self.mapped,
                            self._logging(config.get("Logging")),
                            self._error_responses(config.get("CustomErrorResponses")),
                            self._geo(config.get("Restrictions")),
                            self._deliveries(dist_id, config.get("Logging")))

    def _geo(self, restrictions):
        geo = self.resolve((restrictions or {}).get("GeoRestriction") or {})
        kind = str(geo.get("RestrictionType", "none"))
        if kind == "none":
            return None
        return kind, tuple(str(c).upper() for c in geo.get("Locations") or [])

    def _error_responses(self, items):
        """CustomErrorResponses by error code (CDK writes a list; the API a {Items} object)."""
        items = items.get("Items") if isinstance(items, dict) else items
        found = {}
        for item in self.resolve(items or []):
            if not isinstance(item, dict) or "ErrorCode" not in item:
                continue
            code = item.get("ResponseCode")
            ttl = item.get("ErrorCachingMinTTL")
            found[cfn.number(item["ErrorCode"], 400, 599, "ErrorCode", int)] = ErrorResponse(
                item.get("ResponsePagePath") or None,
                cfn.number(code, 200, 599, "ResponseCode", int)
                if code not in (None, "") else None,
                cfn.number(ttl, 0, 31536000, "ErrorCachingMinTTL")
                if ttl not in (None, "") else None)
        return found

    def _logging(self, config):
        """Where the distribution's standard logs go: a template bucket (by logical id) or
        the bucket named by its S3 domain (`name.s3.amazonaws.com`)."""
        if not config or not config.get("Bucket"):
            return None
        bucket = cfn.logical_id(config["Bucket"])
        if bucket not in self.resources:
            bucket = str(self.resolve(config["Bucket"])).split(".s3")[0]
        return Logging(bucket, str(self.resolve(config.get("Prefix") or "")),
                       str(self.resolve(config.get("IncludeCookies", False))).lower() == "true")

    def _deliveries(self, dist_id, logging):
        """The distribution's standard logging (v2) deliveries: each AWS::Logs::Delivery whose
        source is an ACCESS_LOGS AWS::Logs::DeliverySource of this distribution. Cookie
        logging is the distribution's, one setting for all its logs (Logging.IncludeCookies,
        which may stand without a Bucket)."""
        cookies = str(self.resolve((logging or {}).get("IncludeCookies", False))).lower() == "true"
        sources = {}
        for logical, source in cfn.resources(self.template, "AWS::Logs::DeliverySource").items():
            props = cfn.properties(source)
            if str(self.resolve(props.get("LogType"))) == "ACCESS_LOGS" and \
                    dist_id in cfn.referenced_ids(props.get("ResourceArn")):
                sources[str(self.resolve(props.get("Name")))] = logical
        found = []
        for delivery in cfn.resources(self.template, "AWS::Logs::Delivery").values():
            props = cfn.properties(delivery)
            named = props.get("DeliverySourceName")
            if str(self.resolve(named)) not in sources and not set(sources.values()) & \
                    set(cfn.referenced_ids(named)):
                continue
            found.append(replace(self._delivery(props), include_cookies=cookies))
        return tuple(found)

    def _delivery(self, props):
        """One AWS::Logs::Delivery as a LogDelivery: its destination (a bucket or log group of
        the template, or one its ARN names) and its settings."""
        destination = next((self.resources[i] for i in cfn.referenced_ids(
            props.get("DeliveryDestinationArn"))
            if self.resources.get(i, {}).get("Type") == "AWS::Logs::DeliveryDestination"),
            None)
        if destination is None:
            raise UsageError(f"{self.stack_name}: a standard logging (v2) delivery names no "
                             "AWS::Logs::DeliveryDestination of the template")
        dest = cfn.properties(destination)
        arn = dest.get("DestinationResourceArn")
        text = str(self.resolve(arn))
        fields = self.resolve(props.get("RecordFields")) or access_logs.V2_DEFAULT_FIELDS
        common = {"output_format": str(self.resolve(dest.get("OutputFormat") or "json")).lower(),
                  "fields": tuple(str(f) for f in fields),
                  "delimiter": str(self.resolve(props.get("FieldDelimiter") or "\t"))}
        kinds = {self.resources.get(i, {}).get("Type"): i for i in cfn.referenced_ids(arn)}
        if "AWS::S3::Bucket" in kinds or text.startswith("arn:aws:s3:::"):
            bucket, _, prefix = text.removeprefix("arn:aws:s3:::").partition("/")
            suffix = self.resolve(props.get("S3SuffixPath"))
            return LogDelivery("s3", kinds.get("AWS::S3::Bucket", bucket),
                               prefix=prefix.strip("/"), suffix_path=str(suffix or ""),
                               hive=str(self.resolve(props.get(
                                   "S3EnableHiveCompatiblePath"))).lower() == "true", **common)
        if "AWS::Logs::LogGroup" in kinds:
            logical = kinds["AWS::Logs::LogGroup"]
            group = self.resolve(cfn.properties(self.resources[logical]).get("LogGroupName"))
            return LogDelivery("logs", str(group or logical), **common)
        if text.startswith("arn:aws:logs:") and ":log-group:" in text:
            group = text.split(":log-group:", 1)[1].removesuffix(":*")
            return LogDelivery("logs", group, region=text.split(":")[3], **common)
        raise UsageError(f"{self.stack_name}: a standard logging (v2) destination the emulator "
                         f"cannot write to: {text} (S3 buckets and CloudWatch Logs groups only)")

    def _behavior(self, dist_id, config, origins, groups):
        target = config.get("TargetOriginId")
        if target not in origins and target not in groups:
            raise UsageError(f"{dist_id}: a behavior's origin {target!r} is not among the "
                             "Origins or OriginGroups")
        self.warnings += unsupported.behavior(dist_id, config)
        associations = {}
        for association in config.get("LambdaFunctionAssociations") or []:
            read = self._association(association)
            associations[read.event_type] = read
        where = f"{dist_id}: behavior {config.get('PathPattern') or '(default)'}"
        viewer_functions = {}
        for association in config.get("FunctionAssociations") or []:
            event_type = association.get("EventType")
            spec = self._viewer_function(association.get("FunctionARN"), where)
            if event_type not in edge_rules.FUNCTION_EVENTS:
                raise UsageError(f"{where}: CloudFront function {spec.name} is on {event_type}; "
                                 "CloudFront Functions run on viewer events only")
            if event_type in associations:
                raise UsageError(f"{where}: a CloudFront function ({spec.name}) and a "
                                 f"Lambda@Edge function on {event_type}; CloudFront refuses "
                                 "both on one event")
            viewer_functions[event_type] = spec
        return Behavior(
            path_pattern=config.get("PathPattern"), target_origin_id=target,
            allowed_methods=behaviors.methods(config.get("AllowedMethods")),
            cached_methods=behaviors.methods(config.get("CachedMethods")),
            cache_policy=read_cache_policy(config.get("CachePolicyId"), config, self.resources,
                                           self.resolve),
            request_policy=read_request_policy(config.get("OriginRequestPolicyId"),
                                               self.resources, self.resolve, config),
            associations=associations, functions=viewer_functions,
            compress=str(self.resolve(config.get("Compress", False))).lower() == "true",
            viewer_protocol_policy=str(self.resolve(config.get("ViewerProtocolPolicy")
                                                    or "allow-all")),
            trusted_keys=self._trusted_keys(where, config.get("TrustedKeyGroups")),
            response_headers=self._response_headers(config.get("ResponseHeadersPolicyId"),
                                                    dist_id))

    def _response_headers(self, ref, dist_id):
        """The behavior's response headers policy: a managed one by id, or the template's."""
        if ref is None:
            return None
        if isinstance(ref, str):
            policy = response_headers.MANAGED.get(ref)
            if policy is None:
                self.warnings.append(f"{dist_id}: response headers policy {ref} is neither in "
                                     "the template nor a managed one known here: not applied")
            return policy
        _, props = self._resource(ref, "AWS::CloudFront::ResponseHeadersPolicy",
                                  f"{dist_id}: a response headers policy")
        return response_headers.read(self.resolve(props.get("ResponseHeadersPolicyConfig")))

    def _viewer_function(self, arn, where):
        """The AWS::CloudFront::Function a FunctionAssociation names, read once."""
        logical, props = self._resource(arn, "AWS::CloudFront::Function",
                                        f"{where}: a function association")
        if logical in self.viewer_functions:
            return self.viewer_functions[logical]
        config = props.get("FunctionConfig") or {}
        runtime = config.get("Runtime", "")
        stores = [a.get("KeyValueStoreARN") for a in
                  config.get("KeyValueStoreAssociations") or []]
        name = self.resolve(props.get("Name")) or logical
        if runtime not in edge_rules.FUNCTION_RUNTIMES:
            raise UsageError(f"CloudFront function {name}: runtime {runtime!r} is not one of "
                             f"{', '.join(edge_rules.FUNCTION_RUNTIMES)}")
        if stores and runtime != edge_rules.FUNCTION_KVS_RUNTIME:
            raise UsageError(f"CloudFront function {name}: a key value store needs "
                             f"{edge_rules.FUNCTION_KVS_RUNTIME}, not {runtime}")
        if len(stores) > edge_rules.FUNCTION_MAX_KEY_VALUE_STORES:
            raise UsageError(f"CloudFront function {name}: {len(stores)} key value stores; "
                             f"CloudFront allows {edge_rules.FUNCTION_MAX_KEY_VALUE_STORES}")
        spec = cloudfront_functions.CloudFrontFunctionSpec(
            logical, name, runtime, props.get("FunctionCode", ""), stores,
            cdk_path(self.resources.get(logical)))
        self.viewer_functions[logical] = spec
        return spec

    def _inline_code(self, props, runtime):
        """A folder holding a function's inline code (Code.ZipFile) under the file name
        CloudFormation gives it, or None when the code is not inline."""
        code = (props.get("Code") or {}).get("ZipFile")
        name = INLINE_FILE.get(languages.family(runtime))
        if code is None or name is None:
            return None
        text = str(self.resolve(code))
        folder = Path(tempfile.gettempdir(), "edge-persist-inline",
                      hashlib.sha256(f"{name}\0{text}".encode()).hexdigest()[:16])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
        return folder

    def _association(self, association):
        event_type = association.get("EventType")
        arn = association.get("LambdaFunctionARN")
        reader = self.resources.get(cfn.logical_id(arn)) or {}
        owner = self._edge_function_stack(reader, event_type) \
            if reader.get("Type") == CROSS_REGION_READER else self
        if owner is not self:
            arn = owner.edge_version_ref
        version_id, version = owner._resource(arn, "AWS::Lambda::Version",
                                              f"the {event_type} association")
        fn_id, fn_props = owner._resource(version.get("FunctionName"), "AWS::Lambda::Function",
                                          f"version {version_id}")
        refused = restrictions.refusals(event_type, owner.resolve(fn_props))
        if refused:
            raise UsageError(f"the {event_type} association of {fn_id}: CloudFront refuses it, "
                             f"since {'; '.join(refused)}")
        spec = owner.function(fn_id, fn_props, edge=True, version="1")
        self.runtimes |= owner.runtimes
        self.warnings += [w for w in owner.warnings if w not in self.warnings]
        self.resolve.known[(version_id, "Ref")] = \
            f"arn:aws:lambda:us-east-1:{PSEUDO['AWS::AccountId']}:function:{spec.name}:1"
        return Association(event_type, bool(association.get("IncludeBody")), spec)

    def _edge_function_stack(self, reader, event_type):
        """The reader of the us-east-1 stack that CDK's EdgeFunction put the function in:
        the one whose AWS::SSM::Parameter has the name this custom resource reads."""
        name = self.resolve((reader.get("Properties") or {}).get("ParameterName"))
        found = self.assembly.parameter(name, self._name_of, self.stack)
        if found is None:
            raise UsageError(f"the {event_type} association reads the edge function's version "
                             f"from SSM parameter {name}, which no stack in {self.cdk_out} "
                             "writes")
        other = self._reader(found[0])
        other.edge_version_ref = found[1]
        return other

    # --- origins ------------------------------------------------------------------------

    def _function_url(self, url_id):
        props = self.resources[url_id].get("Properties", {})
        fn_id, fn_props = self._resource(props.get("TargetFunctionArn"),
                                         "AWS::Lambda::Function", f"function URL {url_id}")
        return self.function(fn_id, fn_props, edge=False)

    def _load_balancer(self, alb_id):
        alb = self.resources[alb_id].get("Properties", {})
        listeners = sorted(((k, v["Properties"]) for k, v in
                            self._of_type("AWS::ElasticLoadBalancingV2::Listener").items()
                            if v["Properties"].get("LoadBalancerArn") == {"Ref": alb_id}),
                           key=lambda item: item[1].get("Protocol") != "HTTP")
        if not listeners:
            raise UsageError(f"load balancer {alb_id} has no listener")
        listener_id, listener = listeners[0]
        rules = sorted((Rule(cfn.number(self.resolve(p["Priority"]), 1, 50000, "Priority", int),
                             self.resolve(p.get("Conditions", [])),
                             p["Actions"][0])
                        for p in (v["Properties"] for v in self._of_type(
                            "AWS::ElasticLoadBalancingV2::ListenerRule").values())
                        if p.get("ListenerArn") == {"Ref": listener_id}),
                       key=lambda r: r.priority)
        attributes = {a["Key"]: str(a["Value"]) for a in alb.get("LoadBalancerAttributes", [])}
        model = LoadBalancer(alb_id, cfn.number(self.resolve(listener.get("Port", 80)), 1, 65535,
                                                "the listener's Port", int), rules,
                             listener["DefaultActions"][0], attributes)
        for action in [r.action for r in rules] + [model.default_action]:
            if action.get("Type") == "forward":
                group_id = action["TargetGroupArn"]["Ref"]
                model.functions[group_id] = self._lambda_target(group_id)
                group_attributes = {a["Key"]: str(a["Value"]).lower() for a in
                                    self.resources[group_id]["Properties"].get(
                                        "TargetGroupAttributes", [])}
                model.multi_value[group_id] = group_attributes.get(
                    edge_rules.ALB_MULTI_VALUE_HEADERS) == "true"
        return model

    def _lambda_target(self, group_id):
        group = self.resources[group_id]["Properties"]
        targets = group.get("Targets", [])
        if group.get("TargetType") != "lambda" or not targets:
            raise UsageError(f"target group {group_id} is not a Lambda target group")
        fn_id, fn_props = self._resource(targets[0]["Id"], "AWS::Lambda::Function",
                                         f"target group {group_id}")
        return self.function(fn_id, fn_props, edge=False)


def cdk_path(resource):
    """CDK's construct path of a resource (its aws:cdk:path metadata), or ""."""
    path = ((resource or {}).get("Metadata") or {}).get("aws:cdk:path")
    return path if isinstance(path, str) else ""


def _unreadable(where, err):
    """A shape CloudFormation's schema would refuse: one line, not a traceback."""
    return UsageError(f"{where}: a setting the emulator cannot read ({type(err).__name__}: "
                      f"{err}); CloudFormation would refuse it too")


def read_stacks(cdk_out, stack_name=None, mapped=None):
    """Every stack of cdk.out that has a distribution (or the one named), read."""
    assembly, readers = Assembly(cdk_out), {}
    names = [stack_name] if stack_name else [stack.name for stack in assembly.stacks]
    models = []
    for name in names:
        reader = readers.get(name) or StackReader(cdk_out, name, mapped, assembly, readers)
        if stack_name or reader._of_type("AWS::CloudFront::Distribution"):
            models.append(reader.read())
    if not models:
        raise UsageError(f"no stack in {cdk_out} has an AWS::CloudFront::Distribution")
    return models
