"""Lambda execution environments: one real process per environment, one invoke at a time,
reused, recycled when idle or old, multiplied per region up to the concurrency limit
(pool.py), and the per-language workers that load a handler and run it: python_worker.py
and node_worker.mjs, started by languages.py, which says which local program serves each
template runtime.

pool.py imports only the standard library, orjson, languages.py and its workers' protocol
constants; the workers import nothing from this project, so a handler sees a clean runtime.
"""
