"""What every construct of the stack shares: where the code lives, the runtime, cdk-nag."""
from pathlib import Path

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_lambda as lambda_

ROOT = Path(__file__).resolve().parent.parent
ASSET_EXCLUDES = ["__pycache__", "*.pyc"]
RUNTIME = lambda_.Runtime.PYTHON_3_13


def acknowledge(construct, rule, reason):
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
