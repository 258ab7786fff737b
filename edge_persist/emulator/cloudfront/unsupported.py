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
}
# Cache behavior keys.
BEHAVIOR_FEATURES = {
    # Key groups are checked (signed_urls.py); the legacy account signers are not.
    "TrustedSigners": "signed URLs and cookies by trusted signers (AWS accounts' CloudFront "
                      "key pairs) are not checked; use TrustedKeyGroups",
    "FieldLevelEncryptionId": "field-level encryption is not emulated",
    "RealtimeLogConfigArn": "real-time logs are not written",
    "SmoothStreaming": "Smooth Streaming is not emulated",
}


def distribution(dist_id, config):
    lines = [f"{dist_id}: {key}: {what}" for key, what in DISTRIBUTION_FEATURES.items()
             if config.get(key) not in (None, False, "false", "", {}, [])]
    if config.get("ConnectionMode") == "tenant-only":
        lines.append(f"{dist_id}: ConnectionMode tenant-only: its tenants (domains, parameters, "
                     "certificates) are not emulated; the distribution answers on its own port")
    for origin in config.get("Origins") or []:
        if (origin.get("OriginShield") or {}).get("Enabled"):
            lines.append(f"{dist_id}: origin {origin.get('Id')}: Origin Shield is not "
                         "emulated: origin triggers run in the viewer's regional edge cache")
    return lines


def behavior(dist_id, config):
    where = f"behavior {config['PathPattern']}" if config.get("PathPattern") \
        else "default behavior"
    lines = [f"{dist_id}: {where}: {key}: {what}" for key, what in BEHAVIOR_FEATURES.items()
             if config.get(key) not in (None, [], {}, False)]
    if str((config.get("GrpcConfig") or {}).get("Enabled")).lower() == "true":
        lines.append(f"{dist_id}: {where}: GrpcConfig: gRPC is not emulated: requests reach "
                     "the origin as HTTP/1.1")
    return lines
