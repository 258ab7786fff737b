"""The forecast model against cases with a known answer, and its command line."""
import json

import pytest

from edge_persist import contract
from edge_persist.forecast.__main__ import main
from edge_persist.forecast.model import Parameters, Simulation, simulate


def schedule(**kwargs):
    return Parameters(**{"regions": {"eu-west-3": 1.0}, **kwargs})


def test_one_environment_and_no_expiry_misses_each_session_once():
    result = simulate(schedule(sessions=7, requests=70, schedule=(1, 0.1)))
    assert result["hit_ratio"] == pytest.approx(1 - 7 / 70, abs=1e-4)
    assert result["cold_starts"] == 1 and result["sessions_seen"] == 7


def test_an_idle_timeout_shorter_than_every_gap_never_hits():
    result = simulate(schedule(sessions=3, requests=30, schedule=(1, 5.0), idle_timeout=1.0))
    assert result["hit_ratio"] == 0.0 and result["cold_starts"] == 30


def expected_random_hit_ratio(environments, requests_per_session):
    """Random routing over N always-warm environments, unbounded store, no expiry.

    Let m be the number of environments holding a session's data. Each request lands on an
    environment drawn uniformly, independently of everything before, so it hits with
    probability m/N. A miss goes to the origin, and its origin-response invocation stores
    the data in another uniform draw, a new holder with probability (N-m)/N. So m is a
    pure-birth Markov chain, m_0 = 0, with
        P(m -> m+1) = ((N-m)/N)^2,   P(m -> m) = 1 - ((N-m)/N)^2,
    and the hit ratio of a K-request session is
        (1/K) * sum_{k=1..K} E[m_{k-1}] / N,
    computed here exactly from the chain's distribution after each step. (Were the data
    stored where the request ran, as a one-trigger design would, m would grow on every miss
    and this would reduce to 1 - (1 - q^K) / (K (1 - q)) with q = (N-1)/N.)
    """
    n, k = environments, requests_per_session
    distribution = {0: 1.0}
    total = 0.0
    for _ in range(k):
        total += sum(m * p for m, p in distribution.items()) / n
        following = {}
        for m, p in distribution.items():
            birth = ((n - m) / n) ** 2
            following[m + 1] = following.get(m + 1, 0.0) + p * birth
            following[m] = following.get(m, 0.0) + p * (1 - birth)
        distribution = following
    return total / k


@pytest.mark.parametrize("environments, per_session", [(4, 5), (10, 8)])
def test_random_routing_over_warm_environments_follows_the_closed_form(environments,
                                                                       per_session):
    sessions = 3000
    forever = 1e9  # always warm, nothing expires
    result = simulate(schedule(sessions=sessions, requests=sessions * per_session,
                               schedule=(1, 1.0), routing="random", warm=environments,
                               ttl=forever, idle_timeout=forever, max_lifetime=forever,
                               lifetime_jitter=0.0))
    assert result["cold_starts"] == 0
    assert result["hit_ratio"] == pytest.approx(
        expected_random_hit_ratio(environments, per_session), abs=0.02)


def test_memory_grows_with_entries_not_requests():
    small = Simulation(Parameters(rps=200, duration=60, sessions=500))
    small.run()
    large = Simulation(Parameters(rps=200, duration=600, sessions=500))
    large.run()
    assert large.peak_entries <= 500 and small.peak_entries <= 500


def test_the_json_holds_the_contract_keys(tmp_path):
    out = tmp_path / "f.json"
    assert main(["--rps", "50", "--duration", "30", "--regions",
                 "us-east-1=0.5,eu-west-3=0.5", "--json", str(out),
                 "--plot", str(tmp_path / "f.png")]) == 0
    result = json.loads(out.read_text())
    assert set(contract.FORECAST_KEYS) <= set(result)
    assert set(result["per_region"]) == {"us-east-1", "eu-west-3"}
    assert set(result["environments"]) == {"mean", "peak"}
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_a_sweep_plots_the_hit_ratio_against_the_swept_value(tmp_path):
    out = tmp_path / "sweep.json"
    assert main(["--sweep", "rps=5,50", "--duration", "30", "--json", str(out),
                 "--plot", str(tmp_path / "sweep.png")]) == 0
    sweep = json.loads(out.read_text())
    assert sweep["values"] == [5, 50] and len(sweep["results"]) == 2
    assert (tmp_path / "sweep.png").stat().st_size > 1000


@pytest.mark.parametrize("argv, words", [
    (["--rps", "-1"], "below 0"), (["--rps", "nan"], "finite"),
    (["--regions", "us-east-1=0.5,eu-west-3=0.4"], "sum to 1"),
    (["--regions", "mars-1=1"], "unknown region"), (["--routing", "fifo"], "invalid choice"),
    (["--sweep", "colour=1,2"], "--sweep takes"), (["--hit-ms", "fast"], "lognormal"),
    (["--from-report", "/nonexistent/r.json"], "cannot read"),
])
def test_bad_parameters_get_one_line_and_exit_2(argv, words, capsys):
    assert main(argv) == contract.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err


def test_lines_of_one_tick_are_spread_over_it_in_the_order_they_were_logged():
    """Standard logs give a second (or with timestamp(ms) a millisecond): the replay puts a
    tick's lines evenly across it, keeping their logged order, and other lines in time order."""
    import numpy
    from edge_persist.forecast.replay import _spread
    times = numpy.array([5.0, 3.0, 3.0, 5.0, 5.0, 7.0])
    spread, order = _spread(times)
    assert order.tolist() == [1, 2, 0, 3, 4, 5]  # ties keep the logged order
    assert spread.tolist() == pytest.approx([3.0, 3.5, 5.0, 5 + 1 / 3, 5 + 2 / 3, 7.0])
    spread, _ = _spread(numpy.array([1.0, 1.0]), precision=0.001)
    assert spread.tolist() == pytest.approx([1.0, 1.0005])
    assert [a.tolist() for a in _spread(numpy.zeros(0))] == [[], []]


@pytest.mark.parametrize("seed", range(30))
def test_a_span_sampled_at_once_is_the_span_sampled_second_by_second(seed):
    """Between two requests the live environments only fall, as invocations finish and
    idle ones expire: a span's samples taken at once (the replay of a log with long gaps)
    add up as a sample each second does, and leave the same state behind."""
    import copy
    import random
    rng = random.Random(seed)
    sim = Simulation(schedule(idle_timeout=rng.uniform(0.5, 30), max_lifetime=rng.uniform(5, 60),
                              routing=rng.choice(["mru", "lru", "random"]),
                              concurrency_limit=1000, seed=seed))
    region = sim.regions["eu-west-3"]
    at = 0.0
    for _ in range(rng.randrange(1, 200)):
        at += rng.expovariate(5.0)
        sim.serve(region, rng.randrange(20), at)
    reference, first = copy.deepcopy(sim), float(int(at) + 1)
    end = at + rng.uniform(0, 300)
    assert sim.sample_until(end, first) == first + int(end - first) + 1
    second = first
    while second <= end:
        reference.sample(second)
        second += 1.0
    mine, theirs = region, reference.regions["eu-west-3"]
    assert (mine.samples, mine.sample_sum, mine.environments_peak) == \
        (theirs.samples, theirs.sample_sum, theirs.environments_peak)
    assert sim.serve(mine, 3, end + 0.5) == reference.serve(theirs, 3, end + 0.5)
    assert (sim.cold_starts, mine.hits) == (reference.cold_starts, theirs.hits)


def test_an_environment_that_finished_its_work_expires_before_the_next_request():
    """A request an hour: each environment idles out ten minutes after its request, so about
    a sixth of the time one is live (it was counted live throughout, as still busy)."""
    from edge_persist.forecast.access_logs import Lines
    from edge_persist.forecast.replay import replay_region
    lines = Lines()
    for n in range(24):
        lines.add(1e9 + 3600 * n, "s1")
    result = replay_region(schedule(idle_timeout=600), "eu-west-3", 1e9, lines)
    assert result["cold_starts"] == 24
    assert result["environments"]["mean"] == pytest.approx(601 / 3600, abs=0.01)


def test_a_line_logged_decades_after_the_rest_is_replayed_at_once():
    """A log line far from the rest (a clock gone wrong, or a crafted file) costs no more
    than any other: the replay does not walk the seconds between."""
    import time
    from edge_persist.forecast.access_logs import Lines
    from edge_persist.forecast.replay import replay_region
    lines = Lines()
    for n in range(100):
        lines.add(1_764_460_800.0 + n, f"s{n % 10}")
    lines.add(1_764_460_800.0 + 70 * 365 * 86400, "s0")
    started = time.monotonic()
    result = replay_region(schedule(), "eu-west-3", 1_764_460_800.0, lines)
    assert time.monotonic() - started < 5
    assert result["requests"] == 101 and result["sessions_seen"] == 10
