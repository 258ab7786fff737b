"""The KeyValueStore beside edge memory: a store with dataToPersist, and the viewer-request
CloudFront Function (cloudfront-js-2.0) that reads it on every request."""
import json

from aws_cdk import aws_cloudfront as cloudfront
from constructs import Construct

from stacks.common import ROOT

KEY = "dataToPersist"


class KeyValueStoreReader(Construct):
    """Attributes: `store` (cloudfront.KeyValueStore), `function` (cloudfront.Function)."""

    def __init__(self, scope, construct_id, *, stack_name, initial_value):
        super().__init__(scope, construct_id)
        # The import file is a CDK asset; CloudFront reads it once, when creating the store.
        self.store = cloudfront.KeyValueStore(
            self, "Store", key_value_store_name=f"{stack_name}-kvs",
            comment="dataToPersist, read by the viewer function",
            source=cloudfront.ImportSource.from_inline(json.dumps(
                {"data": [{"key": KEY, "value": initial_value}]})))
        self.function = cloudfront.Function(
            self, "ViewerFunction", function_name=f"{stack_name}-viewer",
            comment="reads dataToPersist from the key value store",
            runtime=cloudfront.FunctionRuntime.JS_2_0, key_value_store=self.store,
            code=cloudfront.FunctionCode.from_file(
                file_path=str(ROOT / "viewer_function" / "viewer.js")))
