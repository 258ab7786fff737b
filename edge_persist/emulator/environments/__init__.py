"""Lambda execution environments: one real process per environment, one invoke at a time,
reused, recycled when idle or old, multiplied per region up to the concurrency limit
(pool.py), and the per-language workers that import a handler and run it.

pool.py imports only the standard library, orjson and its workers' protocol constants; the
workers import nothing from this project, so a handler sees a clean interpreter.
"""
