"""Cache policies and origin request policies: managed (by id), custom (a template resource)
or, for caching, the legacy settings on the behavior itself.

Sources (CloudFront Developer Guide): "Understand cache policies", "Use managed cache
policies", "Control origin requests with a policy", "Use managed origin request policies".
Each setting is kept as (behavior, names), the way a custom policy writes it.
"""
from dataclasses import dataclass
from functools import cached_property

from edge_persist import cfn, edge_rules
from edge_persist.emulator.cloudfront import viewers
from edge_persist.errors import UsageError


@dataclass(frozen=True)
class CachePolicy:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    headers: tuple = ("none", ())       # (behavior, lowercase names)
    cookies: tuple = ("none", ())
    query_strings: tuple = ("none", ())
    compress: bool = False              # gzip or brotli in the key
    brotli: bool = True                 # EnableAcceptEncodingBrotli: br too, not gzip alone

    @property
    def caching(self):
        return self.max_ttl > 0

    @cached_property
    def cloudfront_names(self):
        """The CloudFront-* headers (lowercase) this policy puts in the cache key."""
        return viewers.named(self.headers)


@dataclass(frozen=True)
class OriginRequestPolicy:
    """What reaches the origin besides the cache key."""
    headers: tuple = ("none", ())
    cookies: tuple = ("none", ())
    query_strings: tuple = ("none", ())

    @cached_property
    def cloudfront_names(self):
        """The CloudFront-* headers (lowercase) this policy asks CloudFront to add."""
        return viewers.named(self.headers)


def _listed(config, behavior_key, items_key, lower=False):
    config = config or {}
    names = config.get(items_key) or []
    if isinstance(names, dict):  # CloudFormation's older {Items: [...]} shape
        names = names.get("Items") or []
    return config.get(behavior_key, "none"), tuple(str(n).lower() if lower else str(n)
                                                   for n in names)


def _config(ref, resources, managed, type_name, config_key, what):
    """(managed settings, None) for a managed id, (None, the custom policy's config)."""
    if isinstance(ref, str):
        if ref not in managed:
            raise UsageError(f"{what} {ref} is neither in the template nor a known managed "
                             "policy")
        return managed[ref], None
    resource = resources.get(ref.get("Ref")) if isinstance(ref, dict) else None
    if not resource or resource.get("Type") != type_name:
        raise UsageError(f"{what} {ref!r} is not an {type_name} here")
    return None, resource["Properties"][config_key]


def _ttls(config):
    """(min, default, max) TTL of a policy or legacy behavior: finite seconds, at most a
    hundred years (a ValueError names what is not)."""
    return tuple(cfn.number(config.get(name, default), 0, 3_153_600_000, name)
                 for name, default in (("MinTTL", 0), ("DefaultTTL", 86400),
                                       ("MaxTTL", 31536000)))


def read_cache_policy(ref, behavior, resources, resolve=lambda value: value):
    """`resolve` turns intrinsics into values (a TTL may be a template parameter's Ref)."""
    behavior = resolve(behavior)
    if ref is None:  # legacy: TTLs and ForwardedValues on the behavior
        forwarded = _legacy(behavior)
        ttls = _ttls(behavior)
        if forwarded["headers"][0] == "allViewer":
            # "Cache content based on request headers": with every header forwarded,
            # CloudFront caches nothing for the behavior and sends every request on.
            ttls = (0.0, 0.0, 0.0)
        keys = forwarded["query_cache_keys"]
        query = ("whitelist", keys) if forwarded["query"][0] == "all" and keys \
            else forwarded["query"]
        return CachePolicy(*ttls, forwarded["headers"], forwarded["cookies"], query,
                           bool(behavior.get("Compress")))
    managed, config = _config(ref, resources, edge_rules.MANAGED_CACHE_POLICIES,
                              "AWS::CloudFront::CachePolicy", "CachePolicyConfig",
                              "cache policy")
    if managed:
        return CachePolicy(*managed)
    config = resolve(config)
    key = config.get("ParametersInCacheKeyAndForwardedToOrigin", {})
    headers = _listed(key.get("HeadersConfig"), "HeaderBehavior", "Headers", lower=True)
    refused = sorted(set(headers[1]) & viewers.NOT_IN_CACHE_KEY)
    if refused:  # CloudFront refuses such a policy ("Add CloudFront request headers")
        raise UsageError(f"cache policy {config.get('Name') or ref}: {', '.join(refused)} can "
                         "be added in an origin request policy, not in a cache policy")
    return CachePolicy(
        *_ttls(config),
        headers,
        _listed(key.get("CookiesConfig"), "CookieBehavior", "Cookies"),
        _listed(key.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings"),
        bool(key.get("EnableAcceptEncodingGzip") or key.get("EnableAcceptEncodingBrotli")),
        str(key.get("EnableAcceptEncodingBrotli")).lower() == "true")


def _legacy(behavior):
    """A behavior's ForwardedValues (the legacy cache settings): what it forwards. Headers
    ["*"] forwards them all; QueryStringCacheKeys narrows the cache key, not what is sent."""
    forwarded = behavior.get("ForwardedValues") or {}
    cookies = forwarded.get("Cookies") or {}
    headers = [str(h).lower() for h in forwarded.get("Headers") or []]
    return {
        "headers": ("allViewer", ()) if "*" in headers else
                   ("whitelist", tuple(headers)) if headers else ("none", ()),
        "cookies": (cookies.get("Forward", "none"), tuple(cookies.get("WhitelistedNames") or [])),
        "query": ("all" if str(forwarded.get("QueryString")).lower() == "true" else "none", ()),
        "query_cache_keys": tuple(forwarded.get("QueryStringCacheKeys") or []),
    }


def read_request_policy(ref, resources, resolve=lambda value: value, behavior=None):
    """The behavior's origin request policy; for a legacy behavior (no policy ids, its
    ForwardedValues), what its ForwardedValues forward beyond the cache key."""
    if ref is None:
        if behavior and not behavior.get("CachePolicyId") and \
                behavior.get("ForwardedValues"):
            forwarded = _legacy(resolve(behavior))
            return OriginRequestPolicy(forwarded["headers"], forwarded["cookies"],
                                       forwarded["query"])
        return OriginRequestPolicy()
    managed, config = _config(ref, resources, edge_rules.MANAGED_ORIGIN_REQUEST_POLICIES,
                              "AWS::CloudFront::OriginRequestPolicy",
                              "OriginRequestPolicyConfig", "origin request policy")
    if managed:
        return OriginRequestPolicy(*managed)
    config = resolve(config)
    return OriginRequestPolicy(
        _listed(config.get("HeadersConfig"), "HeaderBehavior", "Headers", lower=True),
        _listed(config.get("CookiesConfig"), "CookieBehavior", "Cookies"),
        _listed(config.get("QueryStringsConfig"), "QueryStringBehavior", "QueryStrings"))
