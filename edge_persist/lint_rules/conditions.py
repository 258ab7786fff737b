"""A template shape CloudFormation refuses and cfn-lint lets pass (same pack as
lambda_edge.py): Conditions that name themselves through others."""
import sys
from pathlib import Path

from cfnlint.rules import RuleMatch

# cfn-lint imports this file by path; put the project on sys.path for its shared facts.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from edge_persist import preflight  # noqa: E402
from edge_persist.cfn import cyclic_conditions  # noqa: E402

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
