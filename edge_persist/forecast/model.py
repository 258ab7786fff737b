"""A discrete-event simulation of the session pattern: how often does edge memory hold a
session's data at a given traffic?

The model, with its sources (README, "Will edge memory work for my traffic?"):
- Traffic: a closed population of active sessions. Each issues its next request after an
  exponential think time, so the request rate is `rps` (Little's law: rps x think-time
  sessions are active at once). A session makes a geometric number of requests with mean
  `session_requests`; when it ends, a new one starts, drawing ids from `sessions` in turn
  (returning users). Each session sticks to one region, drawn by the region shares, as a
  viewer sticks to its edge. (An assumption: CloudFront publishes no session model.)
- Lambda: each invocation needs an idle execution environment of its region or a new one
  (a cold start); an environment serves one invocation at a time (Lambda guide, "Lambda
  execution environment"). A hit is one origin-request invocation; a miss is one at
  origin-request, the origin's time, then one at origin-response, which stores the data in
  whichever environment serves it (the deployed function's two triggers share one version). Which idle environment serves is `routing`: mru (most recently used, the
  emulator's default), lru or random; AWS documents no policy. Environments die after
  `idle_timeout` idle seconds (600 s measured by Shilkov, 2019) and after `max_lifetime`
  (about 2 h measured, with `lifetime_jitter`), once their request is done. Past
  `concurrency_limit` busy environments a region throttles (CloudFront quotas: 1,000).
- The store: per environment, an LRU of `budget_mb` / `entry_bytes` entries with a `ttl`,
  exactly as lambda_edge/handler.py keeps it.
- `schedule=(concurrency, interval)` replaces the traffic by verify.py's probe schedule:
  waves of `concurrency` requests, sessions in turn, each wave `interval` seconds after the
  previous one ended; `arrivals` replays a measured run's send times and sessions exactly.
  That is how the model is checked against the emulator and calibrated from a report.

A heap-based loop, not SimPy: driving this same model with SimPy processes ran at 156,000 to
184,000 simulated requests/s here, under the 200,000 needed for 10 million requests in a
minute; the heap loop ran 1.5x to 1.7x faster (bench/forecast.py measures both, same run).
"""
import heapq
import itertools
import math
import random
from bisect import bisect_left
from collections import OrderedDict, deque
from dataclasses import asdict, dataclass, field

from edge_persist import regions as known_regions

ROUTINGS = ("mru", "lru", "random")
heappush, heappop = heapq.heappush, heapq.heappop


@dataclass
class Parameters:
    rps: float = 100.0
    regions: dict = field(default_factory=lambda: {"us-east-1": 1.0})
    sessions: int = 10_000
    session_requests: float = 10.0
    think_time: float = 30.0
    hit_ms: tuple = ("fixed", 3.0)         # ("fixed", ms) or ("lognormal", mean ms, sigma)
    miss_ms: tuple = ("fixed", 50.0)
    invoke_ms: float = 1.0                 # one trigger invocation's hold on an environment
    idle_timeout: float = 600.0
    max_lifetime: float = 7200.0
    lifetime_jitter: float = 0.1           # each lifetime is max_lifetime x U(1 - j, 1)
    routing: str = "mru"
    concurrency_limit: int = 1000
    budget_mb: float = 64.0
    entry_bytes: int = 600
    ttl: float = 300.0
    duration: float = 600.0
    seed: int = 1
    warm: int = 0                          # environments already warm in each region at 0
    schedule: tuple = None                 # (concurrency, interval): verify's probe waves
    requests: int = 0                      # with a schedule: how many probes
    arrivals: tuple = None                 # ((seconds, session index), ...): a run replayed

    def check(self):
        """Every bad parameter, as a one-line ValueError."""
        positive = {"rps": self.rps, "session_requests": self.session_requests,
                    "think_time": self.think_time, "idle_timeout": self.idle_timeout,
                    "max_lifetime": self.max_lifetime, "budget_mb": self.budget_mb,
                    "entry_bytes": self.entry_bytes, "ttl": self.ttl, "duration": self.duration,
                    "sessions": self.sessions, "concurrency_limit": self.concurrency_limit}
        for name, value in positive.items():
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(f"--{name.replace('_', '-')} must be above 0, not {value}")
        if self.routing not in ROUTINGS:
            raise ValueError(f"--routing must be one of {', '.join(ROUTINGS)}, not "
                             f"{self.routing!r}")
        unknown = [r for r in self.regions if r not in known_regions.EDGE_LOG_REGIONS]
        if unknown:
            raise ValueError(f"unknown region(s) {', '.join(unknown)}")
        if any(share <= 0 for share in self.regions.values()) or \
                abs(sum(self.regions.values()) - 1) > 1e-6:
            raise ValueError(f"region shares must be above 0 and sum to 1, not "
                             f"{sum(self.regions.values()):g}")
        if not 0 <= self.invoke_ms < math.inf:
            raise ValueError("--invoke-ms must be 0 or more")
        if not 0 <= self.lifetime_jitter < 1:
            raise ValueError("--lifetime-jitter must be in [0, 1)")
        for name, spec in (("hit-ms", self.hit_ms), ("miss-ms", self.miss_ms)):
            if spec[0] not in ("fixed", "lognormal") or spec[1] < 0:
                raise ValueError(f"--{name} must be MS or lognormal:MEAN,SIGMA")
        return self


def _sampler(spec, rng):
    """Seconds for one invocation: fixed, or lognormal with the given mean (ms) and sigma."""
    if spec[0] == "fixed":
        seconds = spec[1] / 1000
        return lambda: seconds
    mean, sigma = spec[1] / 1000, spec[2]
    mu = math.log(mean) - sigma * sigma / 2 if mean > 0 else -50.0
    return lambda: rng.lognormvariate(mu, sigma)


class Region:
    """One regional edge cache's environments: idle ones in release order, busy ones in a
    heap by release time. An environment is [died_at, last_used, store, peak entries]."""

    def __init__(self, sim):
        self.sim = sim
        self.idle = deque()
        self.busy = []               # (release time, sequence, environment)
        self.pending = []            # (time, sequence, session): origin-response stores due
        self.requests = self.hits = 0
        self.environments_peak = 0
        self.samples = 0
        self.sample_sum = 0

    def release_until(self, now):
        busy, idle = self.busy, self.idle
        while busy and busy[0][0] <= now:
            released, _, env = heappop(busy)
            if released < env[0]:    # past its lifetime it is recycled, not kept
                env[1] = released
                idle.append(env)

    def acquire(self, now):
        """An environment for a request at `now`: warm if one is, else a new one (a cold
        start); None when throttled."""
        sim, idle = self.sim, self.idle
        idle_timeout = sim.idle_timeout
        routing = sim.routing
        while idle:
            if routing == "mru":
                env = idle.pop()
                if now - env[1] > idle_timeout:
                    idle.clear()     # the most recent is too old: so are all before it
                    continue
            elif routing == "lru":
                env = idle.popleft()
            else:
                index = int(sim.rng.random() * len(idle))
                env = idle[index]
                del idle[index]
            if now - env[1] <= idle_timeout and now < env[0]:
                return env
        if len(self.busy) >= sim.concurrency_limit:
            return None
        return sim.new_environment(now)

    def spans(self):
        """Each environment's (busy until, idle since, dies at), with no request from now
        on: a busy one is busy until its release, then idle if its lifetime outlasts it."""
        for released, _, env in self.busy:
            yield released, released, env[0] if released < env[0] else released
        for env in self.idle:
            yield -math.inf, env[1], env[0]

    def live(self, now):
        idle_timeout = self.sim.idle_timeout
        return sum(1 for span in self.spans() if _live(now, *span, idle_timeout))

    def live_seconds(self, first, count):
        """The sum of live(first + k) for k below `count`. Each environment is live from
        `first` up to some second, found by bisection rather than second by second (a log
        may hold years between two lines)."""
        idle_timeout = self.sim.idle_timeout
        return sum(bisect_left(range(count), True,
                               key=lambda k: not _live(first + k, *span, idle_timeout))
                   for span in self.spans())


def _live(at, busy_until, idle_since, died_at, idle_timeout):
    """Whether an environment of these spans (Region.spans) is live `at`: busy, or idle
    within the timeout and its lifetime."""
    return at < busy_until or (at - idle_since <= idle_timeout and at < died_at)


class Simulation:
    def __init__(self, params):
        p = self.params = params.check()
        self.rng = random.Random(p.seed)
        self.idle_timeout, self.routing = p.idle_timeout, p.routing
        self.concurrency_limit = p.concurrency_limit
        self.capacity = max(1, int(p.budget_mb * (1 << 20)) // p.entry_bytes)
        self.regions = {name: Region(self) for name in p.regions}
        self.hit_time = _sampler(p.hit_ms, self.rng)
        self.miss_time = _sampler(p.miss_ms, self.rng)
        self.invoke_s = p.invoke_ms / 1000
        self.cold_starts = self.throttled = self.evictions = 0
        self.peak_entries = 0
        self.sessions_started = 0
        self.ttl = p.ttl
        self._sequence = itertools.count()
        for region in self.regions.values():
            for _ in range(p.warm):
                region.idle.append(self.new_environment(0.0))
        self.cold_starts = 0  # warm environments are not cold starts of the run

    def new_environment(self, now):
        self.cold_starts += 1
        p = self.params
        lifetime = p.max_lifetime * (1 - p.lifetime_jitter * self.rng.random())
        return [now + lifetime, now, OrderedDict(), 0]

    def serve(self, region, session, now):
        """One request of `session` at `now` in `region`; returns when its answer is out.

        A hit holds one environment for the hit's duration. A miss holds one for the
        origin-request invocation, goes to the origin, and its origin-response invocation
        then takes whichever environment the routing gives at that time: that one stores
        the data, as the deployed function does.
        """
        pending, busy = region.pending, region.busy
        if pending and pending[0][0] <= now:  # checked inline: this runs per request
            self.store_until(region, now)
        if busy and busy[0][0] <= now:
            region.release_until(now)
        env = region.acquire(now)
        region.requests += 1
        if env is None:
            self.throttled += 1
            return now
        store = env[2]
        stored = store.get(session)
        sequence = next(self._sequence)
        if stored is not None and now - stored <= self.ttl:
            store.move_to_end(session)
            region.hits += 1
            done = now + self.hit_time()
            heappush(busy, (done, sequence, env))
            return done
        invoke = self.invoke_s
        released = now + invoke
        # The origin's share of the miss; computed from `released` so that origin-response
        # never comes before origin-request ends, not even by a rounding error.
        stored_at = released + max(0.0, self.miss_time() - 2 * invoke)
        heappush(busy, (released, sequence, env))
        heappush(pending, (stored_at, sequence, session))
        return stored_at + invoke

    def store_until(self, region, now):
        """Run the origin-response invocations due by `now`, in time order."""
        pending = region.pending
        while pending and pending[0][0] <= now:
            at, sequence, session = heappop(pending)
            region.release_until(at)
            env = region.acquire(at)
            if env is None:
                self.throttled += 1
                continue
            store = env[2]
            store[session] = at
            store.move_to_end(session)
            if len(store) > self.capacity:
                store.popitem(last=False)
                self.evictions += 1
            elif len(store) > env[3]:
                env[3] = len(store)
                self.peak_entries = max(self.peak_entries, env[3])
            heappush(region.busy, (at + self.invoke_s, sequence, env))

    def sample(self, now, count=1):
        """`count` samples of each region's live environments, a second apart from `now`,
        with no request in between (so the first is the largest)."""
        for region in self.regions.values():
            live = region.live(now)
            region.samples += count
            region.sample_sum += live if count == 1 else region.live_seconds(now, count)
            region.environments_peak = max(region.environments_peak, live)

    def sample_until(self, now, next_sample):
        """Every whole second from `next_sample` (not after `now`) to `now` sampled, the
        state unchanged in between; returns the next second to sample."""
        count = int(now - next_sample) + 1
        while next_sample + count - 1 > now:  # the subtraction may round either way
            count -= 1
        while next_sample + count <= now:
            count += 1
        self.sample(next_sample, count)
        return next_sample + count

    # --- traffic ----------------------------------------------------------------------

    def run(self):
        if self.params.arrivals:
            self._run_arrivals()
        elif self.params.schedule:
            self._run_schedule()
        else:
            self._run_sessions()
        return self.result()

    def _run_sessions(self):
        p, rng = self.params, self.rng
        names = list(self.regions)
        weights = list(p.regions.values())
        regions = [self.regions[n] for n in names]
        end_probability = 1 / p.session_requests
        think = 1 / p.think_time
        active = max(1, round(p.rps * p.think_time))
        next_id = 0
        events = []
        for sequence in range(active):
            region = rng.choices(regions, weights)[0]
            events.append((rng.random() * p.think_time, sequence, next_id % p.sessions,
                           region))
            next_id += 1
        heapq.heapify(events)
        sequence, next_sample = active, 1.0
        expovariate, random_ = rng.expovariate, rng.random
        serve = self.serve
        while events:
            now, _, session, region = heappop(events)
            if now >= p.duration:
                break
            if now >= next_sample:
                next_sample = self.sample_until(now, next_sample)
            serve(region, session, now)
            sequence += 1
            if random_() < end_probability:  # the session ends; a new one takes its place
                session = next_id % p.sessions
                next_id += 1
                region = rng.choices(regions, weights)[0]
            heappush(events, (now + expovariate(think), sequence, session, region))
        self.sample(min(p.duration, next_sample))
        self.sessions_started = next_id

    def _run_schedule(self):
        """verify.py's waves: `concurrency` probes at once, sessions in turn, the next wave
        `interval` s after the slowest of this one answered."""
        p = self.params
        concurrency, interval = p.schedule
        region = self.regions[next(iter(self.regions))]
        now, sent = 0.0, 0
        while sent < p.requests:
            size = min(concurrency, p.requests - sent)
            wave_end = max(self.serve(region, (sent + i) % p.sessions, now)
                           for i in range(size))
            sent += size
            self.sessions_started = min(sent, p.sessions)
            self.sample(now)
            now = wave_end + interval
        self.params.duration = max(now, 1e-9)

    def _run_arrivals(self):
        """A measured run replayed: each request at the second and with the session it had."""
        region = self.regions[next(iter(self.regions))]
        last = 0.0
        for at, session in sorted(self.params.arrivals):
            last = max(last, self.serve(region, session, at))
            self.sample(at)
        self.sessions_started = len({session for _, session in self.params.arrivals})
        self.params.duration = max(last, 1e-9)

    # --- the answer -------------------------------------------------------------------

    def result(self):
        p = self.params
        requests = sum(r.requests for r in self.regions.values())
        hits = sum(r.hits for r in self.regions.values())
        mean_envs = sum(r.sample_sum / max(1, r.samples) for r in self.regions.values())
        # Both duration specs carry their mean (ms) second: fixed and lognormal alike.
        saved_ms = (p.miss_ms[1] - p.hit_ms[1]) * hits / max(1, requests)
        return {
            "requests": requests,
            "sessions_seen": min(self.sessions_started, p.sessions),  # ids are drawn in turn
            "hit_ratio": round(hits / requests, 4) if requests else 0.0,
            "environments": {"mean": round(mean_envs, 2),
                             "peak": sum(r.environments_peak for r in self.regions.values())},
            "cold_starts": self.cold_starts,
            "throttled": self.throttled,
            "evictions": self.evictions,
            "per_region": {name: {"requests": r.requests,
                                  "hit_ratio": round(r.hits / r.requests, 4) if r.requests
                                  else 0.0,
                                  "environments_peak": r.environments_peak}
                           for name, r in self.regions.items()},
            "origin_reads_saved_per_s": round(hits / p.duration, 3),
            "mean_latency_saved_ms": round(saved_ms, 3),
            "peak_store_bytes": self.peak_entries * p.entry_bytes,
            "parameters": {k: (list(v) if isinstance(v, tuple) else v)
                           for k, v in asdict(p).items()},
        }


def simulate(params):
    return Simulation(params).run()
