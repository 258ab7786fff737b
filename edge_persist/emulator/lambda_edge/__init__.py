"""Lambda@Edge: the four triggers' events, running an associated function version in its
region's environments, CloudFront's validation of what the function returns, and what it
refuses to associate at all (restrictions.py).

May import frontend/ and edge_persist.edge_rules. The environments that run the code are
handed in (environments/), so the rules here never depend on a language.
"""
