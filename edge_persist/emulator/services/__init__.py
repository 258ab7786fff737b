"""The local AWS services the emulator leans on: a moto server on loopback (CloudWatch Logs,
S3) and the log shipper that sends every function's lines to it in batches.

May import edge_persist.aws and edge_persist.errors, nothing else of the emulator but
children.py.
"""
