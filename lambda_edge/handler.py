"""Lambda@Edge origin-request function: keeps dataToPersist in module memory.

Standard library only: this folder is the code asset CloudFront replicates.
Lambda@Edge allows no environment variables, so nothing here is configurable
at deploy time; the header names are the contract in shared/DESIGN.md.
"""
import json
import os
import time

# The "storage": module globals live as long as the execution environment.
dataToPersist = None
ENV_ID = os.urandom(8).hex()
REGION = os.environ.get("AWS_REGION") or "unknown"
invocations = 0
_fixed_headers = ()


def _utc_now_iso():
    # time, not datetime: datetime's import alone would double this module's cold start.
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (now % 1 * 1000)


def _init_environment():
    global dataToPersist, _fixed_headers
    dataToPersist = _utc_now_iso()
    # Built once: these three never change in this environment. Sharing them between
    # invocations is safe because Lambda serializes every returned request.
    _fixed_headers = (
        ("custom_header", [{"key": "custom_header", "value": dataToPersist}]),
        ("x-persist-env", [{"key": "x-persist-env", "value": ENV_ID}]),
        ("x-persist-region", [{"key": "x-persist-region", "value": REGION}]),
    )
    # One line per environment lets verify.py count environments per region from logs.
    print(json.dumps({"event": "edge_init", "dataToPersist": dataToPersist,
                      "env": ENV_ID, "region": REGION}))


def handler(event, context):
    global invocations
    if dataToPersist is None:
        _init_environment()
    invocations += 1
    request = event["Records"][0]["cf"]["request"]
    headers = request.get("headers")
    if headers is None:
        headers = request["headers"] = {}
    # Assigning whole lists replaces anything the viewer sent under these names.
    headers.update(_fixed_headers)
    headers["x-persist-invocation"] = [{"key": "x-persist-invocation", "value": str(invocations)}]
    return request
