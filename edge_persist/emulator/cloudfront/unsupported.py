"""Template features the emulator reads past: one warning line each, naming the resource.

A feature that changes what CloudFront answers must never be ignored in silence; these
lines are printed when the emulator starts.
"""

# DistributionConfig keys, and what the emulator does instead.
DISTRIBUTION_FEATURES = {
    "WebACLId": "AWS WAF is not emulated: no request is blocked",
    "ContinuousDeploymentPolicyId": "continuous deployment (staging) is not emulated",
    "Staging": "a staging distribution is served as if it were the primary",
    "ViewerMtlsConfig": "mutual TLS is not emulated: no client certificate is asked for",
    "ConnectionMode": "a tenant-only distribution's tenants (domains, parameters, "
                      "certificates) are not emulated; the distribution answers on its own port",
}
# Cache behavior keys.
BEHAVIOR_FEATURES = {
    # Key groups are checked (signed_urls.py); the legacy account signers are not.
    "TrustedSigners": "signed URLs and cookies by trusted signers (AWS accounts' CloudFront "
                      "key pairs) are not checked; use TrustedKeyGroups",
    "FieldLevelEncryptionId": "field-level encryption is not emulated",
    "RealtimeLogConfigArn": "real-time logs are not written",
    "SmoothStreaming": "Smooth Streaming is not emulated",
    "GrpcConfig": "gRPC is not emulated: requests reach the origin as HTTP/1.1",
}

# Origin keys.
ORIGIN_FEATURES = {
    "OriginShield": "Origin Shield is not emulated: origin triggers run in the viewer's "
                    "regional edge cache",
}


def _in_use(key, value):
    """Whether a setting asks for the feature: tenant-only for ConnectionMode, Enabled for
    GrpcConfig and OriginShield, any value that is set for the others."""
    if key == "ConnectionMode":
        return value == "tenant-only"
    if key in ("GrpcConfig", "OriginShield"):
        return isinstance(value, dict) and str(value.get("Enabled")).lower() == "true"
    return value not in (None, False, "false", "", {}, [])


def distribution(dist_id, config):
    lines = [f"{dist_id}: {key}: {what}" for key, what in DISTRIBUTION_FEATURES.items()
             if _in_use(key, config.get(key))]
    for origin in config.get("Origins") or []:
        lines += [f"{dist_id}: origin {origin.get('Id')}: {key}: {what}"
                  for key, what in ORIGIN_FEATURES.items() if _in_use(key, origin.get(key))]
    return lines


def behavior(dist_id, config):
    where = f"behavior {config['PathPattern']}" if config.get("PathPattern") \
        else "default behavior"
    return [f"{dist_id}: {where}: {key}: {what}" for key, what in BEHAVIOR_FEATURES.items()
            if _in_use(key, config.get(key))]
