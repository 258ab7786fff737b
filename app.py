#!/usr/bin/env python3
"""Composes the CDK app: one stack in us-east-1, checked by cdk-nag at synth."""
import os
import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.access_logs import parse_kinds
from stacks.edge_persist_stack import DEFAULT_KVS_VALUE, EdgePersistStack

# Lambda@Edge functions must be created in us-east-1; the rest stays beside them.
REGION = "us-east-1"


def session_config(ctx):
    """sessionBudgetMb and sessionTtlSeconds from cdk.json context, for the edge store."""
    config = {}
    for key in ("sessionBudgetMb", "sessionTtlSeconds"):
        value = ctx(key)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a number, not {value!r}") from None
        if not 0 < number < float("inf"):
            raise ValueError(f"{key} must be above 0, not {value!r}")
        config[key] = number
    return config


def build_app(**app_kwargs):
    app = cdk.App(**app_kwargs)
    ctx = app.node.try_get_context
    EdgePersistStack(
        app, ctx("stackName") or "EdgePersistStack",
        price_class=ctx("priceClass") or "PriceClass_100",
        secret_generation=str(ctx("originSecretGeneration") or "1"),
        session_config=session_config(ctx),
        kvs_initial_value=str(ctx("kvsInitialValue") or DEFAULT_KVS_VALUE),
        access_logs=parse_kinds(ctx("accessLogs")),
        # No account is needed to synthesize; the CLI fills it in from credentials at deploy.
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=REGION),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    try:
        build_app().synth()
    except ValueError as err:  # a bad context value: one line, not a jsii traceback
        sys.exit(f"app.py: {err}")
