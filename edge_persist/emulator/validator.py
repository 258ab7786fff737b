"""CloudFront's checks on what a Lambda@Edge request trigger returns.

validate() gives a list of problems, worded like CloudFront's own messages; an empty list
means CloudFront would accept the result.
"""
from edge_persist import edge_rules


def _entries_ok(name, entries, problems):
    if not isinstance(entries, list):
        problems.append(f"header {name!r}: the value must be a list of {{key, value}} objects")
        return False
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            problems.append(f"header {name!r}: every entry needs a string 'value'")
            return False
        key = entry.get("key", name)
        if not isinstance(key, str) or key.lower() != name:
            problems.append(f"header {name!r}: entry key {key!r} does not match the lowercase name")
            return False
        if "\r" in entry["value"] or "\n" in entry["value"]:
            problems.append(f"header {name!r}: the value contains CR or LF")
            return False
    return True


def _headers_problems(event_type, before, after):
    problems = []
    if not isinstance(after, dict):
        return ["request.headers must be an object"]
    for name, entries in after.items():
        if not isinstance(name, str) or name != name.lower():
            problems.append(f"header name {name!r} must be lowercase")
            continue
        if not _entries_ok(name, entries, problems):
            continue
        if edge_rules.is_disallowed_header(name) and entries != before.get(name):
            problems.append(f"The function tried to add a blacklisted header: {name}")
    for name in edge_rules.read_only_headers(event_type):
        if before.get(name) != after.get(name):
            verb = "delete" if name in before and name not in after else "modify"
            problems.append(f"The function tried to {verb} read-only header: {name}")
    return problems


def _size(request):
    total = len(request.get("querystring", "").encode("utf-8", "surrogatepass"))
    for name, entries in request["headers"].items():
        for entry in entries:
            total += len(name.encode()) + len(entry["value"].encode("utf-8", "surrogatepass"))
    return total


def _response_problems(event_type, response):
    problems = []
    try:
        status = int(response["status"])
        if not 200 <= status <= 599:
            problems.append(f"status {status} is out of range")
    except (KeyError, TypeError, ValueError):
        problems.append("a generated response needs a numeric status")
    headers = response.get("headers", {})
    if not isinstance(headers, dict):
        problems.append("response headers must be an object")
    else:
        for name, entries in headers.items():
            _entries_ok(name.lower() if isinstance(name, str) else str(name), entries, problems)
    body = response.get("body", "")
    limit = edge_rules.limits_for(event_type)["generated_response_bytes"]
    if not isinstance(body, str):
        problems.append("the response body must be a string")
    elif len(body.encode("utf-8", "surrogatepass")) > limit:
        problems.append(f"the generated response body exceeds {limit} bytes")
    return problems


def validate(event_type, before, result):
    """before: the request CloudFront sent; result: what the function returned."""
    if not isinstance(result, dict):
        return ["The function returned an invalid result: expected an object"]
    if "status" in result:
        return _response_problems(event_type, result)
    problems = []
    uri = result.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        problems.append(f"uri must be a string starting with '/', got {uri!r}")
    if not isinstance(result.get("querystring", ""), str):
        problems.append("querystring must be a string")
    for field in edge_rules.READ_ONLY_REQUEST_FIELDS:
        if result.get(field) != before.get(field):
            problems.append(f"The function tried to modify read-only field: {field}")
    problems += _headers_problems(event_type, before.get("headers", {}),
                                  result.get("headers", {}))
    if not problems and _size(result) > edge_rules.MAX_HEADERS_AND_QUERY_BYTES:
        problems.append("The size of headers and query string exceeds "
                        f"{edge_rules.MAX_HEADERS_AND_QUERY_BYTES} bytes")
    return problems
