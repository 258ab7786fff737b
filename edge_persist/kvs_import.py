"""A key value store's ImportSource: where its file sits in cdk.out, and whether CloudFront
will take it ("File format for key-value pairs": {"data": [{"key", "value"}]}, no duplicate
keys, the file at most 5 MB, keys at most 512 bytes, values at most 1 KB).

The emulator fills its stores from these files; the linter checks them before deploy.
"""
from pathlib import Path

from edge_persist import cfn, edge_rules
from edge_persist.errors import UsageError, read_json


def pair_problem(key, value):
    """Why `key`/`value` break a quota, or None; value None means a delete."""
    for text in (key, value):
        if isinstance(text, str) and not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return "keys and values must be valid Unicode (no lone surrogate)"
    if not isinstance(key, str) or not 1 <= len(key.encode()) <= edge_rules.KVS_MAX_KEY_BYTES:
        return f"keys must be 1 to {edge_rules.KVS_MAX_KEY_BYTES} bytes"
    if value is not None and (not isinstance(value, str) or
                              len(value.encode()) > edge_rules.KVS_MAX_VALUE_BYTES):
        return (f"the value of {key!r} must be a string of at most "
                f"{edge_rules.KVS_MAX_VALUE_BYTES} bytes")
    return None


def size_of(data):
    """The bytes a store's pairs take, as TotalSizeInBytes counts them (assumed: UTF-8 keys
    plus values; the API reference does not define it)."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in data.items())


def import_file(template_path, source_arn):
    """The cdk.out file behind an ImportSource's SourceArn (text, intrinsics resolved or
    flattened): CDK uploads it as the file asset `<hash>.json`; None when it is not there."""
    asset_hash = str(source_arn).rsplit("/", 1)[-1].split(".", 1)[0]
    path = cfn.asset_sources(template_path).get(asset_hash)
    if path is None:
        return None
    path = Path(template_path).parent / path
    return path if path.is_file() else None


def read_import(path):
    """{key: value} of an import file; one UsageError line when CloudFront would refuse it."""
    path = Path(path)
    if path.stat().st_size > edge_rules.KVS_MAX_STORE_BYTES:
        raise UsageError(f"{path.name} is over the {edge_rules.KVS_MAX_STORE_BYTES} bytes a "
                         "key value store can import")
    document = read_json(path, "not a key value store import file")
    try:
        pairs = [(item["key"], item["value"]) for item in document["data"]]
    except (KeyError, TypeError):
        raise UsageError(f"{path.name} is not the import shape "
                         '{"data": [{"key": ..., "value": ...}]}') from None
    data = {}
    for key, value in pairs:
        problem = pair_problem(key, value) or (f"duplicate key {key!r}" if key in data else None)
        if problem:
            raise UsageError(f"{path.name}: {problem}")
        data[key] = value
    return data
