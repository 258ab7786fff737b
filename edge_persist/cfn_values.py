"""A partial evaluator for CloudFormation values: what a property can be at deploy time.

Every lint rule reads values through `Values`, so a value written another way (`Fn::Sub` with
no variable, `Fn::Join` of its parts, a parameter's default, a number as a string) reads the
same, and an unknown part never passes for a known one:
- `Ref` to a parameter: each of its AllowedValues, else its Default (an empty default is
  "not set": unknown), else unknown; pseudo parameters from the stack's region and a
  placeholder account;
- `Fn::Sub` (both forms), `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`;
- `Fn::GetAtt` and `Ref` to resources, with what each returns: a function's `Arn`, a
  version's ARN (`Ref`) and its `Version` (a number, not an ARN), an alias's ARN, SAM's
  `Fn.Version` and `Fn.Alias`;
- `Fn::If`, branch by branch: every value comes with the path of the branch it came from, so
  that a rule judges each branch on its own and counts per branch. The branch the condition
  takes with every parameter at its default reads them so; the other branch is taken only
  when a parameter the condition reads has another value, so there those parameters are
  unknown (a `!If [ArnSet, !Ref Arn, !Ref AWS::NoValue]` with `Arn` defaulting to `NONE`
  never reads `NONE` as an ARN);
- in a template that sits in a cloud assembly (assembly.py), `Fn::ImportValue` of another
  stack's export and CDK's cross-region SSM parameter reader (EdgeFunction) read the other
  stack's value, which remembers its stack;
- `Fn::ImportValue` from outside the assembly, custom resources' attributes and anything else:
  unknown.

An unknown part of a string is the character UNKNOWN_PART, so a rule can still judge what is
known around it (`${Param}:$LATEST` is provably unversioned) and must not judge what is not.
A value that is unknown as a whole is UNKNOWN.
"""
import itertools
import re

from edge_persist.assembly import CROSS_REGION_READER, Assembly
from edge_persist.cfn import as_dict

UNKNOWN_PART = "\u2047"
NO_VALUE = object()  # AWS::NoValue: the property is absent in this branch
# A parameter that has no known value in a branch (see Values._if_branches): no intrinsic of
# CloudFormation's, so the evaluator reads it as unknown.
UNKNOWN_REF = "Fn::EdgePersist::UnknownParameter"
ACCOUNT = "123456789012"
# More alternatives than this for one value are not enumerated: it reads as unknown.
MAX_ALTERNATIVES = 64
SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
# {{resolve:ssm:...}} and {{resolve:secretsmanager:...}}: read by CloudFormation at deploy.
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")


class Unknown:
    """A value nothing before deploy can tell."""

    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = Unknown()


class Resolved(str):
    """A string that came from a resource (`Ref` or `Fn::GetAtt`): it remembers which, and the
    Values of the stack that holds it, so a rule can follow it to the resource."""

    def __new__(cls, text, logical_id, attribute=None, owner=None):
        value = super().__new__(cls, text)
        value.logical_id, value.attribute, value.owner = logical_id, attribute, owner
        return value


def known(value):
    """True when nothing of `value` is unknown."""
    if value is UNKNOWN:
        return False
    if isinstance(value, str):
        return UNKNOWN_PART not in value
    return True


def number(value):
    """An int or float from a number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and known(value):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def boolean(value):
    """True/False from a boolean or "true"/"false" in any case; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _intrinsic(node):
    """(function name, argument) of an intrinsic function node, else None."""
    if isinstance(node, dict) and len(node) == 1:
        (name, arg), = node.items()
        if name == "Ref" or name.startswith("Fn::") or name == "Condition":
            return name, arg
    return None


class Values:
    """The values of one template. `region` is the stack's region (cfn-lint's --regions);
    `assembly` and `stack` (assembly.py) when the template is one stack of a cloud assembly."""

    def __init__(self, template, region="us-east-1", assembly=None, stack=None):
        self.template = as_dict(template)
        self.region = region
        self.resources = as_dict(self.template.get("Resources"))
        self.parameters = as_dict(self.template.get("Parameters"))
        self.mappings = as_dict(self.template.get("Mappings"))
        self.conditions = as_dict(self.template.get("Conditions"))
        self.assembly, self.stack = assembly, stack
        self._others = {}  # stack name -> its Values, read once

    @classmethod
    def of_file(cls, template, region, filename):
        """The values of the template cfn-lint reads from `filename`: with its cloud assembly
        when the file sits in one, so cross-stack references read the other stacks."""
        assembly = Assembly.containing(filename)
        stack = assembly.stack_at(filename) if assembly else None
        return cls(template, stack.region if stack else region, assembly, stack)

    def _other(self, stack):
        """The Values of another stack of the assembly."""
        if stack.name not in self._others:
            self._others[stack.name] = Values(stack.template, stack.region, self.assembly, stack)
        return self._others[stack.name]

    def _name_of(self, stack, node):
        """A name (of an SSM parameter or an export) as `stack` writes it, when known."""
        found = [v for v in self._other(stack)._strings(node) if known(v)]
        return found[0] if len(found) == 1 else None

    # --- walking a template --------------------------------------------------------------

    def branches(self, node, path=()):
        """(value, path) for every value `node` can take. Containers are returned as they are
        (their items are read with branches() again); scalars are evaluated. AWS::NoValue
        branches drop out."""
        path = list(path)
        call = _intrinsic(node)
        if call and call[0] == "Fn::If":
            arg = call[1]
            if isinstance(arg, list) and len(arg) == 3:
                for i, unknown in self._if_branches(arg[0]):
                    branch = _without(arg[i], unknown) if unknown else arg[i]
                    yield from self.branches(branch, path + ["Fn::If", i])
            return
        if call:
            for value in self.evaluate(node):
                if value is not NO_VALUE:
                    yield value, path
            return
        yield _dynamic(node), path

    def items(self, node, path=()):
        """(item, path) of a list property, whichever branch gives the list and its items."""
        for value, where in self.branches(node, path):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield from self.branches(item, where + [i])

    def lists(self, node, path=()):
        """(list of item values, path) per branch of a list property, each item's branches
        expanded: what a rule counts, per branch."""
        for value, where in self.branches(node, path):
            if isinstance(value, list):
                options = [[v for v, _ in self.branches(item)] or [NO_VALUE] for item in value]
                for combination in itertools.islice(itertools.product(*options),
                                                    MAX_ALTERNATIVES):
                    yield [v for v in combination if v is not NO_VALUE], where

    def get(self, mapping, key, path=()):
        """(value, path) per branch of mapping[key], where `mapping` may itself be a node."""
        for value, where in self.branches(mapping, path):
            if isinstance(value, dict) and key in value:
                yield from self.branches(value[key], where + [key])

    def scalars(self, node):
        """Every value a scalar property can take, any branch."""
        return [value for value, _ in self.branches(node)]

    def texts(self, node):
        """Every string inside `node`, every branch, containers walked: for searches such as
        "does this policy name this principal anywhere"."""
        found = []
        for value, _ in self.branches(node):
            if isinstance(value, dict):
                for item in value.values():
                    found += self.texts(item)
            elif isinstance(value, list):
                for item in value:
                    found += self.texts(item)
            elif isinstance(value, str):
                found.append(value)
            elif value is UNKNOWN:
                found.append(UNKNOWN_PART)
        return found

    # --- conditions -----------------------------------------------------------------------

    def _if_branches(self, condition):
        """(branch, the parameters unknown in it) for both branches of an Fn::If on
        `condition`. The branch the condition takes with every parameter at its default
        reads them so; the other is taken only when a parameter the condition reads has
        another value, so those parameters are unknown there. A condition that cannot be
        told reads both branches with the defaults."""
        holds = self.holds(condition)
        if holds is None:
            return [(1, ()), (2, ())]
        names = self._condition_parameters(condition, set())
        return [(1, () if holds else names), (2, names if holds else ())]

    def holds(self, condition, seen=frozenset()):
        """Whether a condition (a Conditions name or a condition function) holds with every
        parameter at its default: True, False, or None when that cannot be told (an unknown
        value, a cycle of conditions, a shape CloudFormation would refuse)."""
        if isinstance(condition, str):
            if condition in seen or condition not in self.conditions:
                return None
            return self.holds(self.conditions[condition], seen | {condition})
        call = _intrinsic(condition)
        if call is None:
            return boolean(condition) if isinstance(condition, (bool, str)) else None
        name, arg = call
        if name == "Condition":
            return self.holds(arg, seen)
        if name == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            sides = [self._strings(side) for side in arg]
            if any(len(side) != 1 or not known(side[0]) for side in sides):
                return None
            return sides[0][0] == sides[1][0]
        if name == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self.holds(arg[0], seen)
            return None if inner is None else not inner
        if name in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            found = [self.holds(c, seen) for c in arg]
            decided = (False in found) if name == "Fn::And" else (True in found)
            if decided:
                return name == "Fn::Or"
            return None if None in found else name == "Fn::And"
        return None

    def _condition_parameters(self, condition, seen):
        """The template parameters a condition reads, through the conditions it names."""
        if isinstance(condition, str) and condition in self.conditions and condition not in seen:
            seen.add(condition)
            return self._condition_parameters(self.conditions[condition], seen)
        found = set()
        if isinstance(condition, dict):
            for key, value in condition.items():
                if key == "Ref" and isinstance(value, str) and value in self.parameters:
                    found.add(value)
                else:  # a Condition by name, or a function's arguments
                    found |= self._condition_parameters(value, seen)
        elif isinstance(condition, list):
            for item in condition:
                found |= self._condition_parameters(item, seen)
        return found

    # --- evaluating one value ------------------------------------------------------------

    def evaluate(self, node):
        """Every value `node` can take, as a list (at most MAX_ALTERNATIVES)."""
        call = _intrinsic(node)
        if call is None:
            return [node]
        name, arg = call
        if name == "Ref":
            handler = self._ref
        else:
            handler = getattr(self, "_" + name.replace("Fn::", "fn_").lower(), None)
        if handler is None:
            return [UNKNOWN]  # Fn::GetAZs, Fn::Cidr, Fn::Transform, Condition, ...
        try:
            found = handler(arg)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return [UNKNOWN]  # a malformed intrinsic is cfn-lint's own business
        return found[:MAX_ALTERNATIVES] if len(found) <= MAX_ALTERNATIVES else [UNKNOWN]

    def _strings(self, node):
        """Every string `node` can be; unknown values become UNKNOWN_PART."""
        out = []
        for value in self._flat(node):
            if isinstance(value, bool):
                out.append(str(value).lower())
            elif isinstance(value, (str, int, float)):
                out.append(value if isinstance(value, str) else str(value))
            else:
                out.append(UNKNOWN_PART)
        return out

    def _flat(self, node):
        """evaluate(), with Fn::If branches flattened."""
        return [value for value, _ in self.branches(node)]

    def _ref(self, name):
        if not isinstance(name, str):
            return [UNKNOWN_PART]
        if name == "AWS::NoValue":
            return [NO_VALUE]
        pseudo = {"AWS::Region": self.region, "AWS::AccountId": ACCOUNT,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return [pseudo[name]]
        if name.startswith("AWS::"):
            return [UNKNOWN_PART]  # StackName, StackId, NotificationARNs
        if name in self.parameters:
            return self._parameter(as_dict(self.parameters[name]))
        if name in self.resources:
            return self._foreign(name) or [self._resource_value(name, None)]
        base, _, suffix = name.rpartition(".")
        if base in self.resources and suffix in ("Version", "Alias"):  # SAM's Fn.Version
            return [self._resource_value(base, suffix)]
        return [UNKNOWN_PART]

    def _parameter(self, parameter):
        kind = str(parameter.get("Type", ""))
        if kind.startswith("AWS::SSM::Parameter::Value"):
            return [UNKNOWN_PART]  # the default names the SSM parameter, not its value
        listed = parameter.get("AllowedValues")
        is_list = kind.startswith(("List<", "CommaDelimitedList"))
        if isinstance(listed, list) and listed:
            values = [_scalar_text(v) for v in listed]
        elif "Default" in parameter and parameter["Default"] is not None:
            values = [_scalar_text(parameter["Default"])]
        else:
            return [UNKNOWN] if is_list else [UNKNOWN_PART]
        # An empty value is how templates say "not set" (behind a condition): unknown.
        values = [_dynamic(v) if v != "" else UNKNOWN_PART for v in values]
        return [v.split(",") if known(v) else UNKNOWN for v in values] if is_list else values

    def function_name(self, logical_id):
        """A function's name: its literal FunctionName, else its logical id (a stand-in)."""
        name = as_dict(as_dict(self.resources.get(logical_id)).get("Properties")).get(
            "FunctionName")
        found = [v for v in self._flat(name) if isinstance(v, str)] if name else []
        return found[0] if len(found) == 1 else logical_id

    def _function_arn(self, logical_id):
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name(logical_id)}"

    def _resource_value(self, logical_id, attribute):
        """What Ref (attribute None) or Fn::GetAtt gives for a resource of this template."""
        resource = as_dict(self.resources.get(logical_id))
        kind = resource.get("Type", "")
        props = as_dict(resource.get("Properties"))
        if kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            if attribute is None:  # Ref: the function's name
                return Resolved(self.function_name(logical_id), logical_id, owner=self)
            if attribute == "Arn":
                return Resolved(self._function_arn(logical_id), logical_id, "Arn", self)
            if attribute == "Version":  # SAM's Fn.Version: a published version's ARN
                return Resolved(self._function_arn(logical_id) + ":1", logical_id, "Version", self)
            if attribute == "Alias":
                alias = props.get("AutoPublishAlias")
                alias = alias if isinstance(alias, str) else UNKNOWN_PART
                return Resolved(f"{self._function_arn(logical_id)}:{alias}", logical_id, "Alias",
                                self)
        if kind == "AWS::Lambda::Version":
            function = self._function_arn_of(props.get("FunctionName"))
            if attribute == "Version":
                return Resolved("1", logical_id, "Version", self)  # a number, not an ARN
            if attribute in (None, "FunctionArn"):
                return Resolved(f"{function}:1", logical_id, attribute, self)
        if kind == "AWS::Lambda::Alias" and attribute in (None, "AliasArn"):
            function = self._function_arn_of(props.get("FunctionName"))
            alias = props.get("Name")
            alias = alias if isinstance(alias, str) else UNKNOWN_PART
            return Resolved(f"{function}:{alias}", logical_id, attribute, self)
        # Any other resource (custom resources included): its value is known only at deploy.
        return Resolved(UNKNOWN_PART, logical_id, attribute, self)

    def _function_arn_of(self, node):
        """The unqualified ARN a version's or alias's FunctionName names."""
        for value in self._flat(node):
            if isinstance(value, Resolved) and value.logical_id in self.resources:
                return self._function_arn(value.logical_id)
            if isinstance(value, str) and value.startswith("arn:"):
                return ":".join(value.split(":")[:7])
            if isinstance(value, str) and known(value):
                return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{value}"
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{UNKNOWN_PART}"

    def _getatt(self, arg):
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = arg[0], arg[1]
        if not isinstance(logical_id, str) or not isinstance(attribute, str):
            return [UNKNOWN_PART]
        if logical_id not in self.resources:
            return [UNKNOWN_PART]
        return self._foreign(logical_id) or [self._resource_value(logical_id, attribute)]

    def _foreign(self, logical_id):
        """What CDK's cross-region SSM parameter reader reads: the value the parameter's own
        stack writes, read in that stack (assembly.py); None for any other resource or
        outside an assembly."""
        resource = as_dict(self.resources.get(logical_id))
        if self.assembly is None or resource.get("Type") != CROSS_REGION_READER:
            return None
        names = [n for n in self._strings(as_dict(resource.get("Properties")).get(
            "ParameterName")) if known(n)]
        found = self.assembly.parameter(names[0], self._name_of, self.stack) \
            if len(names) == 1 else None
        if found is None:
            return None
        stack, value = found
        return self._other(stack)._flat(value)

    # One method per intrinsic function: "_" + the name without "Fn::", lowercased.

    def _fn_getatt(self, arg):
        return self._getatt(arg)

    def _fn_sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], as_dict(arg[1]))
        if not isinstance(text, str):
            return [UNKNOWN_PART]
        names = SUB_VARIABLE.findall(text)
        options = []
        for name in names:
            if name in variables:
                options.append(self._flat(variables[name]))
            elif "." in name and name.split(".", 1)[0] in self.resources:
                options.append(self._getatt(name.split(".", 1)))
            else:
                options.append(self._ref(name))
        whole = SUB_VARIABLE.fullmatch(text)
        results = []
        for combination in itertools.islice(itertools.product(*options), MAX_ALTERNATIVES + 1):
            if whole and isinstance(combination[0], str):
                results.append(combination[0])  # "${X}" alone is X itself, Resolved kept
                continue
            parts = iter(combination)
            results.append(_dynamic(SUB_VARIABLE.sub(lambda _m: _text(next(parts)), text)
                                    .replace("${!", "${")))
        return results

    def _fn_join(self, arg):
        delimiter, values = arg
        if not isinstance(delimiter, str):
            return [UNKNOWN_PART]
        results = []
        for items in self._flat(values):
            if not isinstance(items, list):
                results.append(UNKNOWN_PART)
                continue
            options = [self._strings(item) for item in items]
            for combination in itertools.islice(itertools.product(*options),
                                                MAX_ALTERNATIVES + 1):
                if len(combination) == 1 and isinstance(combination[0], Resolved):
                    results.append(combination[0])
                else:
                    results.append(_dynamic(delimiter.join(combination)))
        return results

    def _fn_select(self, arg):
        index, values = arg
        results = []
        for i in self._flat(index):
            position = number(i)
            for items in self._flat(values):
                if isinstance(items, list) and isinstance(position, int) \
                        and 0 <= position < len(items):
                    results += self._flat(items[position])
                else:
                    results.append(UNKNOWN)
        return results

    def _fn_split(self, arg):
        delimiter, source = arg
        return [text.split(delimiter) if known(text) else UNKNOWN
                for text in self._strings(source)]

    def _fn_findinmap(self, arg):
        name, first, second = arg[0], arg[1], arg[2]
        results = []
        for map_name in self._strings(name):
            mapping = as_dict(self.mappings.get(map_name))
            if not mapping:
                results.append(UNKNOWN)
                continue
            for key in self._strings(first):
                tops = [mapping[key]] if key in mapping else \
                    list(mapping.values()) if not known(key) else []
                for top in tops:
                    for key2 in self._strings(second):
                        top = as_dict(top)
                        seconds = [top[key2]] if key2 in top else \
                            list(top.values()) if not known(key2) else []
                        results += seconds
        return results or [UNKNOWN]

    def _fn_importvalue(self, arg):
        """Another stack's export, read in that stack, when this template sits in a cloud
        assembly that exports the name; else unknown."""
        results = []
        for name in self._strings(arg):
            found = self.assembly.export(name, self._name_of, self.stack) \
                if self.assembly is not None and known(name) else None
            if found is None:
                results.append(UNKNOWN_PART)
            else:
                stack, value = found
                results += self._other(stack)._flat(value)
        return results

    def _fn_base64(self, arg):
        return self._strings(arg)


def _without(node, names):
    """`node` with every reference to the parameters `names` made unknown: a Ref becomes a
    function the evaluator does not know, and a Fn::Sub gets them as unknown variables.
    Containers stay containers, so a branch keeps its shape and its paths."""
    if isinstance(node, list):
        return [_without(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    call = _intrinsic(node)
    if call and call[0] == "Ref" and call[1] in names:
        return {UNKNOWN_REF: call[1]}
    if call and call[0] == "Fn::Sub":
        text, variables = (call[1], {}) if isinstance(call[1], str) else \
            (call[1][0], as_dict(call[1][1])) if isinstance(call[1], list) and \
            len(call[1]) == 2 else (None, None)
        if text is not None:
            unknown = {name: {UNKNOWN_REF: name} for name in names}
            return {"Fn::Sub": [text, {**unknown, **_without(variables, names)}]}
    return {key: _without(value, names) for key, value in node.items()}


def _scalar_text(value):
    """A parameter value as CloudFormation passes it on: text."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _dynamic(value):
    """A string's dynamic references are unknown parts."""
    if isinstance(value, str) and "{{resolve:" in value:
        return DYNAMIC_REFERENCE.sub(UNKNOWN_PART, value)
    return value


def _text(value):
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    return UNKNOWN_PART
