"""The KeyValueStore beside edge memory, from what the probes saw: the report's `kvs` block
and its sentence.

Edge memory has one value per execution environment; the store has one value for the whole
run, until a write, which then reaches each region after its propagation time: the seconds
from the start of the PutKey call until the answer to the first probe in that region that
saw the new value. Both ends are the bounds that can only overstate it, never understate:
the store cannot have changed before the call began, and the function ran before its answer.
"""
from collections import Counter

from edge_persist.verify.report import iso


def _region(probe):
    return probe.get("kvs_region") or probe.get("pop") or "unknown"


def kvs_block(ok, write=None, settled=None):
    """`ok`: the successful probes; `write`: kvs_write.Written or None."""
    seen = [p for p in ok if p.get("kvs_value") is not None]
    if not seen and write is None:
        return None
    block = {"values_seen": dict(Counter(p["kvs_value"] for p in seen)),
             "regions": sorted({_region(p) for p in seen}), "probes": len(seen)}
    if write is None:
        return block
    after = [p for p in seen if p["sent_at"] >= write.started_at]
    stale = [p for p in after if p["kvs_value"] != write.value_after]
    propagation, stale_in, regressions = {}, {}, 0
    for region in sorted({_region(p) for p in after}):
        mine = sorted((p for p in after if _region(p) == region), key=lambda p: p["sent_at"])
        first_new = next((p for p in mine if p["kvs_value"] == write.value_after), None)
        propagation[region] = round(_answered(first_new) - write.started_at, 3) \
            if first_new else None
        stale_in[region] = sum(p["kvs_value"] != write.value_after for p in mine)
        if first_new:  # an old value after the new one: the region read inconsistently
            regressions += sum(p["kvs_value"] != write.value_after
                               for p in mine[mine.index(first_new):])
    block.update({
        "value_before": write.value_before, "value_after": write.value_after,
        "written_at": iso(write.started_at), "write_returned_at": iso(write.written_at),
        "write_attempts": write.attempts,
        "propagation_s": propagation, "stale_probes": len(stale),
        "stale_per_region": stale_in,
        "first_stale": _probe_ref(stale[0]) if stale else None,
        "last_stale": _probe_ref(stale[-1]) if stale else None,
        "old_after_new": regressions,
        "settled": settled if settled is not None else all(
            v is not None for v in propagation.values()) and bool(propagation),
    })
    return block


def _answered(probe):
    return probe["sent_at"] + (probe.get("latency_ms") or 0) / 1000


def _probe_ref(probe):
    return {"id": probe["id"], "sent_at": iso(probe["sent_at"]), "region": _region(probe)}


def settled(sent, write):
    """True when every region the probes reached since the write shows the new value in
    its newest probe."""
    latest = {}
    for probe in sent:
        if probe.get("status") == 200 and probe.get("kvs_value") is not None \
                and probe["sent_at"] >= write.started_at:
            latest[_region(probe)] = probe["kvs_value"]
    return bool(latest) and all(v == write.value_after for v in latest.values())


def kvs_sentence(block, environments):
    values = block["values_seen"]
    memory = (f"edge memory: {environments} value{'s' if environments != 1 else ''} in "
              f"{environments} environment{'s' if environments != 1 else ''}")
    if "value_after" not in block:
        if len(values) == 1:
            return f"kvs: 1 value everywhere ({next(iter(values))!r}); {memory}"
        return f"kvs: {len(values)} values seen without a write; {memory}"
    reached = [f"{region} in {seconds:.1f} s" for region, seconds in
               sorted(block["propagation_s"].items(), key=lambda kv: (kv[1] is None, kv[1]))
               if seconds is not None]
    missed = [region for region, seconds in block["propagation_s"].items() if seconds is None]
    write = f"a write reached {' and '.join(reached)}" if reached else \
        "a write reached no region yet"
    if missed:
        write += f", not yet {', '.join(missed)}"
    if block["old_after_new"]:
        n = block["old_after_new"]
        count = f"{n} read{'s' if n != 1 else ''} of the old value after the new one in a region"
    else:
        count = (f"1 value everywhere at a time ({block['value_before']!r}, then "
                 f"{block['value_after']!r})")
    return f"kvs: {count}; {write} ({block['stale_probes']} stale probes); {memory}"


def section(sent, environments, write=None, done=None):
    """The report's `kvs` block and `kvs_sentence`, or nothing when no probe met the store."""
    block = kvs_block([p for p in sent if p.get("status") == 200], write, done)
    if block is None:
        return {}
    return {"kvs": block, "kvs_sentence": kvs_sentence(block, environments)}
