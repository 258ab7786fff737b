"""A cloud assembly (cdk.out), read once: its stacks, and what one stack reads from another.

The emulator and the preflight linter both follow a cross-stack reference through here, so it
resolves the same way in both:
- CDK's `cloudfront.experimental.EdgeFunction`: a stack outside us-east-1 reads the function
  version's ARN with a Custom::CrossRegionStringParameterReader, from the AWS::SSM::Parameter
  (by its Name) that the function's own us-east-1 stack writes;
- `Fn::ImportValue`: the Output of another stack whose Export.Name is that name.

Names may themselves be intrinsics (`Fn::Sub` with the stack name): each caller passes its own
evaluator of one stack's values, `name_of(stack, node) -> str or None`.
"""
import functools
from dataclasses import dataclass, field
from pathlib import Path

from edge_persist import cfn
from edge_persist.errors import UsageError

CROSS_REGION_READER = "Custom::CrossRegionStringParameterReader"


@dataclass
class Stack:
    name: str
    path: Path
    region: str
    _template: dict = field(default=None, repr=False)

    @property
    def template(self):
        if self._template is None:
            found = cfn.read_json(self.path)
            self._template = found if isinstance(found, dict) else {}
        return self._template

    @property
    def resources(self):
        return cfn.as_dict(self.template.get("Resources"))


class Assembly:
    def __init__(self, cdk_out):
        self.folder = Path(cdk_out).resolve()
        self.stacks = [Stack(name, Path(path).resolve(), region)
                       for name, path, region in cfn.stacks(self.folder)]

    @classmethod
    def containing(cls, template_path):
        """The assembly a template sits in (manifest.json beside it names it), or None."""
        if not template_path:
            return None
        path = Path(template_path).resolve()
        if not (path.parent / "manifest.json").is_file():
            return None
        return _assembly(str(path.parent))

    def stack_at(self, template_path):
        path = Path(template_path).resolve()
        return next((s for s in self.stacks if s.path == path), None)

    def stack(self, name):
        return next((s for s in self.stacks if s.name == name), None)

    def parameter(self, name, name_of, besides=None):
        """(stack, value node) of the SSM parameter called `name` that a stack of the assembly
        other than `besides` writes, or None."""
        for stack in self.stacks:
            if stack is besides:
                continue
            for parameter in cfn.resources(stack.template, "AWS::SSM::Parameter").values():
                props = cfn.properties(parameter)
                if name_of(stack, props.get("Name")) == name:
                    return stack, props.get("Value")
        return None

    def export(self, name, name_of, besides=None):
        """(stack, value node) of the Output exported as `name`, or None."""
        for stack in self.stacks:
            if stack is besides:
                continue
            for output in cfn.as_dict(stack.template.get("Outputs")).values():
                export = cfn.as_dict(cfn.as_dict(output).get("Export"))
                if export and name_of(stack, export.get("Name")) == name:
                    return stack, output.get("Value")
        return None


@functools.lru_cache(maxsize=16)
def _assembly(folder):
    """One reading per folder: cfn-lint loads the rules once and runs them per template."""
    try:
        return Assembly(folder)
    except UsageError:
        return None
