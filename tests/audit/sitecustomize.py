"""Put on PYTHONPATH by test_demo_connections: every Python process it starts audits itself."""
import os

if os.environ.get("EDGE_PERSIST_AUDIT_CONNECTIONS"):
    from edge_persist.emulator.environments.python_worker import AUDIT_ENV, audit_connections
    audit_connections(os.environ[AUDIT_ENV])
