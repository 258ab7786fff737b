"""The report's kvs block from synthetic probes: propagation per region, stale reads and an
old value read after the new one."""
from edge_persist.verify import kvs_report
from edge_persist.verify.kvs_write import Written

WRITE = Written(value_before="old", value_after="new", started_at=100.0, written_at=100.1,
                attempts=1)


def probe(i, sent_at, value, region, latency_ms=10.0):
    return {"id": f"p{i}", "sent_at": sent_at, "status": 200, "kvs_value": value,
            "kvs_region": region, "latency_ms": latency_ms, "pop": None}


def test_propagation_runs_from_the_call_to_the_answer_of_the_first_new_read():
    probes = [probe(0, 99.0, "old", "eu-west-3"), probe(1, 101.0, "old", "eu-west-3"),
              probe(2, 103.0, "new", "eu-west-3"), probe(3, 101.5, "old", "us-east-1"),
              probe(4, 104.0, "new", "us-east-1"), probe(5, 105.0, "new", "us-east-1")]
    block = kvs_report.kvs_block(probes, WRITE)
    assert block["propagation_s"] == {"eu-west-3": 3.01, "us-east-1": 4.01}
    assert block["stale_probes"] == 2 and block["stale_per_region"] == {"eu-west-3": 1,
                                                                         "us-east-1": 1}
    assert block["old_after_new"] == 0 and block["settled"]
    assert kvs_report.settled(probes, WRITE)
    sentence = kvs_report.kvs_sentence(block, environments=3)
    assert "eu-west-3 in 3.0 s and us-east-1 in 4.0 s" in sentence
    assert "edge memory: 3 values in 3 environments" in sentence


def test_an_old_read_after_the_new_one_and_a_region_not_reached_are_reported():
    probes = [probe(0, 101.0, "new", "eu-west-3"), probe(1, 102.0, "old", "eu-west-3"),
              probe(2, 101.0, "old", "us-east-1"), probe(3, 102.0, "old", "us-east-1")]
    block = kvs_report.kvs_block(probes, WRITE)
    assert block["old_after_new"] == 1 and block["propagation_s"]["us-east-1"] is None
    assert not kvs_report.settled(probes, WRITE)
    sentence = kvs_report.kvs_sentence(block, environments=1)
    assert "1 read of the old value after the new one" in sentence
    assert "not yet us-east-1" in sentence


def test_without_a_write_the_run_still_compares_both_stores():
    probes = [probe(i, 100.0 + i, "v", "eu-west-3") for i in range(3)]
    section = kvs_report.section(probes, environments=2)
    assert section["kvs"]["values_seen"] == {"v": 3}
    assert section["kvs_sentence"] == ("kvs: 1 value everywhere ('v'); edge memory: 2 values "
                                       "in 2 environments")
    assert kvs_report.section([{**p, "kvs_value": None} for p in probes], 2) == {}
