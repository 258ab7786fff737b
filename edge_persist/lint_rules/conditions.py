"""A template shape CloudFormation refuses and cfn-lint lets pass (same pack as
lambda_edge.py): Conditions that name themselves through others."""
from cfnlint.rules import RuleMatch

from edge_persist import preflight
from edge_persist.cfn import cyclic_conditions

CONDITIONS_GUIDE = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html"


class CircularConditions(preflight.EdgeRule):
    id = "E9119"
    shortdesc = "Conditions that depend on themselves"
    description = ("A condition that names itself through other conditions can never be "
                   "decided: CloudFormation refuses the template.")
    source_url = CONDITIONS_GUIDE
    tags = ["conditions"]

    def check(self, cfn, values):
        for name in cyclic_conditions(values.template.get("Conditions")):
            yield RuleMatch(["Conditions", name], (
                f"condition {name} depends on itself through the conditions it names; break "
                "the cycle"))
