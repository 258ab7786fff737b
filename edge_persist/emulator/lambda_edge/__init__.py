"""Lambda@Edge: the four triggers' events, running an associated function version in its
region's environments, and CloudFront's validation of what the function returns.

May import frontend/ and edge_persist.edge_rules. The environments that run the code are
handed in (environments/), so the rules here never depend on a language.
"""
