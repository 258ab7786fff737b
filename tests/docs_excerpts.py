"""The JSON excerpts in docs/: read them, and compare their shape with what a run writes."""
import json
import re

from tests.conftest import ROOT

FENCE = re.compile(r"```json\n(.*?)\n```", re.S)
# Maps keyed by data (a region, a value seen), not by schema: only their values' shape counts.
DATA_KEYED = {"$.kvs.propagation_s", "$.kvs.stale_per_region", "$.kvs.values_seen"}


def json_excerpts(page):
    """Every ```json block of docs/<page>, parsed."""
    return [json.loads(block) for block in FENCE.findall((ROOT / "docs" / page).read_text())]


def shape(value):
    """The keys of every object, recursively; a list is the shape of its first item (excerpts
    cut lists with a "..." item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [item for item in value if item != "..."]
        return [shape(items[0])] if items else []
    return None


def differences(documented, written, where="$"):
    """Where the documented shape and the written one disagree: keys missing on either side.
    Lists are compared by their first items when both have one."""
    if isinstance(documented, dict) and isinstance(written, dict):
        if where in DATA_KEYED:
            return []
        found = [f"{where}.{k}: documented, not written" for k in documented.keys() - written.keys()]
        found += [f"{where}.{k}: written, not documented" for k in written.keys() - documented.keys()]
        for key in documented.keys() & written.keys():
            found += differences(documented[key], written[key], f"{where}.{key}")
        return found
    if isinstance(documented, list) and isinstance(written, list) and documented and written:
        return differences(documented[0], written[0], f"{where}[0]")
    return []
