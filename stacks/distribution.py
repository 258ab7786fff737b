"""The distribution: every TTL 0, all viewer headers and queries to the origin, the edge
function on both origin triggers and the KeyValueStore reader on viewer-request."""
from aws_cdk import (
    Duration,
    aws_cloudfront as cloudfront,
    aws_cloudfront_origins as origins,
)
from constructs import Construct

from stacks.common import acknowledge
from stacks.origin import ORIGIN_VERIFY_HEADER

SESSION_COOKIE = "ep_session"
# Context values use CloudFormation's spelling, which users know from the console.
PRICE_CLASSES = {
    "PriceClass_100": cloudfront.PriceClass.PRICE_CLASS_100,
    "PriceClass_200": cloudfront.PriceClass.PRICE_CLASS_200,
    "PriceClass_All": cloudfront.PriceClass.PRICE_CLASS_ALL,
}


class Cdn(Construct):
    """Attributes: `cache_policy`, `origin_request_policy`, `distribution`."""

    def __init__(self, scope, construct_id, *, stack_name, origin, edge_version,
                 viewer_function, price_class, access_logs=None):
        super().__init__(scope, construct_id)
        legacy = access_logs is not None and "legacy" in access_logs.kinds
        # All TTLs 0 means "caching disabled", so nothing may be in the cache key.
        self.cache_policy = cloudfront.CachePolicy(
            self, "ZeroTtl", cache_policy_name=f"{stack_name}-zero-ttl",
            min_ttl=Duration.seconds(0), default_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(0),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            enable_accept_encoding_gzip=False, enable_accept_encoding_brotli=False)
        # Probe ids travel as a header and a query parameter; both must reach the origin, as
        # must the headers the viewer function adds.
        self.origin_request_policy = cloudfront.OriginRequestPolicy(
            self, "AllViewer", origin_request_policy_name=f"{stack_name}-all-viewer",
            header_behavior=cloudfront.OriginRequestHeaderBehavior.all(),
            query_string_behavior=cloudfront.OriginRequestQueryStringBehavior.all(),
            # The session cookie reaches origin-request this way; it stays out of the
            # zero-TTL cache key, where CloudFront forbids it.
            cookie_behavior=cloudfront.OriginRequestCookieBehavior.allow_list(SESSION_COOKIE))
        alb_origin = origins.LoadBalancerV2Origin(
            origin.alb, protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
            custom_headers={ORIGIN_VERIFY_HEADER: origin.secret.secret_value.unsafe_unwrap()})
        self.distribution = cloudfront.Distribution(
            self, "Distribution",
            comment=f"{stack_name}: persistent storage at CloudFront",
            price_class=PRICE_CLASSES[price_class],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            # Standard logs (legacy) with cookies, so the forecast can replay sessions.
            enable_logging=legacy,
            log_bucket=access_logs.bucket if legacy else None,
            log_file_prefix=access_logs.prefix if legacy else None,
            log_includes_cookies=legacy,
            default_behavior=cloudfront.BehaviorOptions(
                origin=alb_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=self.cache_policy,
                origin_request_policy=self.origin_request_policy,
                # A CloudFront Function and Lambda@Edge may not share an event: the reader
                # takes viewer-request, the edge function keeps the origin events.
                function_associations=[cloudfront.FunctionAssociation(
                    function=viewer_function,
                    event_type=cloudfront.FunctionEventType.VIEWER_REQUEST)],
                # One numbered version on both origin triggers: they share its environments,
                # so what origin-response stores, origin-request finds.
                edge_lambdas=[cloudfront.EdgeLambda(function_version=edge_version,
                                                    event_type=event_type)
                              for event_type in (cloudfront.LambdaEdgeEventType.ORIGIN_REQUEST,
                                                 cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE)]))
        if access_logs is not None and "v2" in access_logs.kinds:
            access_logs.deliver_v2(self.distribution, stack_name)
            # Cookie logging is the distribution's, for v2 too; without a bucket it is v2's.
            self.distribution.node.default_child.add_property_override(
                "DistributionConfig.Logging.IncludeCookies", True)
        if not legacy:
            acknowledge(self.distribution, "AwsSolutions-CFR3",
                        "Standard logs are opt-in (cdk.json context accessLogs): the origin "
                        "function logs every request, and logs cost storage. With "
                        "accessLogs=v2 they go through standard logging (v2), which this "
                        "rule does not see.")
        for rule, reason in (
            ("AwsSolutions-CFR1", "A measuring kit: viewers in every country are welcome."),
            ("AwsSolutions-CFR2", "No WAF: the distribution serves one timestamp and costs "
                                  "would dwarf the experiment."),
            ("AwsSolutions-CFR4", "Uses the default *.cloudfront.net certificate; no custom "
                                  "domain, so the minimum TLS version cannot be raised."),
            ("AwsSolutions-CFR5", "The ALB has only an HTTP listener; it admits only CloudFront's "
                                  "prefix list and requests carrying the origin secret."),
        ):
            acknowledge(self.distribution, rule, reason)
