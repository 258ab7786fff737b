"""A Lambda@Edge function (every trigger) and a Function URL origin that answer whatever the
request's x-hostile header asks: the puppet of tests/integration/test_hostile_results.py.

The header holds percent-encoded JSON, {trigger: step}. A step is {"replace": V}, the whole
result, or {"set": [[path, V], ...]}, edits to what the trigger would return unchanged.
Strings starting "$:" stand for what JSON cannot say: $:nan, $:inf, $:-inf, $:native (a set),
$:cycle (an object inside itself), $:deep:N (lists N deep), $:delete (remove the key)."""
import json
from urllib.parse import unquote

SPEC_HEADER = "x-hostile"
DELETE = object()


def _decoded(value):
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if not (isinstance(value, str) and value.startswith("$:")):
        return value
    word = value[2:]
    if word.startswith("deep:"):
        nested = []
        for _ in range(int(word[5:])):
            nested = [nested]
        return nested
    if word == "cycle":
        cycle = {}
        cycle["self"] = cycle
        return cycle
    return {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "native": {1, 2},
            "undefined": None, "delete": DELETE}.get(word, value)


def _put(target, path, value):
    for key in path[:-1]:
        child = _get(target, key)
        if not isinstance(child, (dict, list)):
            child = {}
            if not _set(target, key, child):
                return
        target = child
    if value is DELETE:
        if isinstance(target, dict):
            target.pop(path[-1], None)
    else:
        _set(target, path[-1], value)


def _get(target, key):
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list) and isinstance(key, int) and -len(target) <= key < len(target):
        return target[key]
    return None


def _set(target, key, value):
    if isinstance(target, dict):
        target[key] = value
        return True
    if isinstance(target, list) and isinstance(key, int) and -len(target) <= key < len(target):
        target[key] = value
        return True
    return False


def answer(unchanged, spec_text, trigger):
    try:
        step = json.loads(unquote(spec_text or "{}")).get(trigger) or {}
    except ValueError:
        step = {}
    if "replace" in step:
        return _decoded(step["replace"])
    for path, value in step.get("set", []):
        _put(unchanged, path, _decoded(value))
    return unchanged


def handler(event, context):
    cf = event["Records"][0]["cf"]
    request = cf["request"]
    spec = request.get("headers", {}).get(SPEC_HEADER, [{}])[0].get("value")
    return answer(cf.get("response", request), spec, cf["config"]["eventType"])


def origin(event, context):
    unchanged = {"statusCode": 200, "headers": {"content-type": "text/plain"},
                 "body": "from the function URL"}
    return answer(unchanged, (event.get("headers") or {}).get(SPEC_HEADER), "origin")
