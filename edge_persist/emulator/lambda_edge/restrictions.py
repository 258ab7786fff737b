"""What CloudFront refuses to associate with a trigger: a deploy that would fail is a start
that fails, with every reason named.

CloudFront Developer Guide, "Restrictions on Lambda@Edge" and the Lambda@Edge rows of
"Quotas": no environment variables, layers, VPC or arm64, no runtime management other than
Auto, at most 512 MB of ephemeral storage, and a viewer trigger's function at most 128 MB and 5 s (an origin trigger's 30 s).
The limits are edge_rules' (one home with the preflight linter's E9103 and E9104).
"""
from edge_persist import edge_rules


def refusals(event_type, props):
    """The reasons CloudFront gives for refusing `props` (a function's resolved Properties)
    on `event_type`; [] when it takes them."""
    found = []
    if (props.get("Environment") or {}).get("Variables"):
        found.append("it has environment variables")
    if props.get("Layers"):
        found.append("it uses layers")
    if props.get("VpcConfig"):
        found.append("it is attached to a VPC")
    if any(a != edge_rules.EDGE_ARCHITECTURE for a in props.get("Architectures") or []):
        found.append(f"it is not {edge_rules.EDGE_ARCHITECTURE}")
    management = (props.get("RuntimeManagementConfig") or {}).get("UpdateRuntimeOn")
    if management not in (None, edge_rules.EDGE_RUNTIME_MANAGEMENT):
        found.append(f"its runtime management is {management}, not "
                     f"{edge_rules.EDGE_RUNTIME_MANAGEMENT}")
    storage = float((props.get("EphemeralStorage") or {}).get("Size") or 0)
    if storage > edge_rules.MAX_EPHEMERAL_STORAGE_MB:
        found.append(f"its ephemeral storage is {storage:g} MB, over "
                     f"{edge_rules.MAX_EPHEMERAL_STORAGE_MB} MB")
    limits = edge_rules.limits_for(event_type)
    memory, timeout = float(props.get("MemorySize", 128)), float(props.get("Timeout", 3))
    if memory > limits["memory_mb"]:
        found.append(f"its {memory:g} MB are over the {limits['memory_mb']} MB a {event_type} "
                     "function may have")
    if timeout > limits["timeout_s"]:
        found.append(f"its {timeout:g} s timeout is over the {limits['timeout_s']} s a "
                     f"{event_type} function may run")
    return found
