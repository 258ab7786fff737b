"""The Application Load Balancer: listener rules, fixed responses and Lambda targets.

May import frontend/ and edge_persist.edge_rules; its Lambda targets run in environments
handed in by server.py.
"""
