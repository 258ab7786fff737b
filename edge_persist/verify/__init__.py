"""verify.py's parts: the target from an outputs file (target), probes (probes), CloudWatch
Logs scanning (logs), the report and its rendering (report, render), and the KeyValueStore
write and its block of the report (kvs_write, kvs_report). cli.py runs them in that order.

May import the shared modules of edge_persist (contract, regions, aws, errors); never the
emulator, the forecast or stacks/.
"""
