"""The experiment of the original article, deployable in one stack in us-east-1, with the
storage CloudFront now has beside it.

viewer -> CloudFront (TTL 0) [viewer-request: KeyValueStore reader]
       -> Lambda@Edge origin-request -> ALB :80 -> origin Lambda.
The stack only composes; each component is a construct in its own module, exposing its
resources as attributes. Infrastructure only: imports no runtime code and no tool code.
"""
from aws_cdk import CfnOutput, Stack
from constructs import Construct

from stacks.access_logs import AccessLogs
from stacks.distribution import PRICE_CLASSES, Cdn
from stacks.edge import EdgeFunction
from stacks.kvs import KeyValueStoreReader
from stacks.origin import Origin

DEFAULT_KVS_VALUE = "initial"


class EdgePersistStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, price_class: str = "PriceClass_100",
                 secret_generation: str = "1", session_config: dict = None,
                 kvs_initial_value: str = DEFAULT_KVS_VALUE, access_logs: frozenset = frozenset(),
                 **kwargs) -> None:
        if price_class not in PRICE_CLASSES:
            raise ValueError(f"priceClass must be one of {', '.join(PRICE_CLASSES)}, not {price_class!r}")
        super().__init__(scope, construct_id, **kwargs)
        self.origin = Origin(self, "Origin", stack_name=self.stack_name,
                             secret_generation=secret_generation)
        self.edge = EdgeFunction(self, "Edge", stack_name=self.stack_name,
                                 session_config=session_config or {})
        self.kvs = KeyValueStoreReader(self, "Kvs", stack_name=self.stack_name,
                                       initial_value=kvs_initial_value)
        # access_logs: the kinds of standard logs, "legacy" and "v2" (stacks/access_logs.py).
        self.access_logs = AccessLogs(self, "AccessLogs", access_logs) if access_logs else None
        self.cdn = Cdn(self, "Cdn", stack_name=self.stack_name, origin=self.origin,
                       edge_version=self.edge.version, viewer_function=self.kvs.function,
                       price_class=price_class, access_logs=self.access_logs)
        self._outputs()

    def _outputs(self):
        distribution, edge_fn = self.cdn.distribution, self.edge.function
        origin_fn = self.origin.function
        outputs = {
            "DistributionDomainName": distribution.distribution_domain_name,
            "DistributionId": distribution.distribution_id,
            "DistributionUrl": f"https://{distribution.distribution_domain_name}",
            "EdgeFunctionName": edge_fn.function_name,
            "EdgeFunctionVersionArn": self.edge.version.function_arn,
            "OriginFunctionName": origin_fn.function_name,
            "OriginLogGroupName": f"/aws/lambda/{origin_fn.function_name}",
            "LoadBalancerDnsName": self.origin.alb.load_balancer_dns_name,
            "KeyValueStoreArn": self.kvs.store.key_value_store_arn,
            "KeyValueStoreId": self.kvs.store.key_value_store_id,
            "ViewerFunctionName": self.kvs.function.function_name,
        }
        if self.access_logs and "legacy" in self.access_logs.kinds:
            outputs["AccessLogsUrl"] = (f"s3://{self.access_logs.bucket.bucket_name}/"
                                        f"{self.access_logs.prefix}")
        if self.access_logs and "v2" in self.access_logs.kinds:
            outputs["AccessLogsV2Url"] = self.access_logs.v2_url
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
