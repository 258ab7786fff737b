"""Send probe requests to the distribution and record what came back."""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from rich.progress import Progress

from edge_persist import contract

# Per request: connect, then read. Bounded so an unreachable distribution fails fast.
TIMEOUT = (5, 15)


def new_probe_id():
    return f"p-{uuid.uuid4().hex[:12]}"


def send_one(session, url, probe_id, session_id=None, certificate=None):
    """One probe; with a session id, a GET /session carrying it as the ep_session cookie.
    `certificate` is passed with each request: a session's own would lose to the
    environment's REQUESTS_CA_BUNDLE."""
    sent = time.time()
    probe = {"id": probe_id, "sent_at": sent, "status": None, "latency_ms": None,
             "custom_header": None, "persist_env": None, "pop": None, "x_cache": None,
             "cf_id": None, "kvs_value": None, "kvs_region": None, "error": None}
    params, headers = {contract.QUERY_PROBE: probe_id}, {contract.HEADER_PROBE: probe_id}
    if session_id is not None:
        url += contract.SESSION_ROUTE
        headers["Cookie"] = f"{contract.SESSION_COOKIE}={session_id}"
        probe.update(session=session_id, session_state=None, region=None)
    try:
        response = session.get(url, params=params, headers=headers, timeout=TIMEOUT,
                               **({"verify": certificate} if certificate else {}))
    except requests.RequestException as err:
        # urllib3 nests the useful part ("Connection refused") inside MaxRetryError.reason.
        reason = getattr(err.args[0], "reason", err) if err.args else err
        probe["error"] = f"{type(err).__name__}: {reason}"
        return probe
    probe.update(
        status=response.status_code,
        latency_ms=round((time.time() - sent) * 1000, 1),
        custom_header=response.headers.get(contract.HEADER_SEEN) or None,
        pop=response.headers.get("X-Amz-Cf-Pop"),
        x_cache=response.headers.get("X-Cache"),
        cf_id=response.headers.get("X-Amz-Cf-Id"),
        # What the viewer function read from the key value store, and where it ran.
        kvs_value=response.headers.get(contract.HEADER_KVS_SEEN),
        kvs_region=response.headers.get(contract.HEADER_KVS_REGION_SEEN) or None,
    )
    if session_id is not None:  # a hit names the environment that answered it
        probe.update(session_state=response.headers.get(contract.HEADER_SESSION),
                     persist_env=response.headers.get(contract.HEADER_ENV),
                     region=response.headers.get(contract.HEADER_REGION))
    if response.status_code != 200:
        probe["error"] = f"HTTP {response.status_code} ({probe['x_cache'] or 'no X-Cache'})"
    return probe


def run(url, requests_count, interval, concurrency, show_progress=True, stop=None, pauses=None,
        sessions=0, before_wave=None, certificate=None):
    """Send `requests_count` probes, `concurrency` at a time, one wave every `interval` s.

    `pauses` maps a count of requests sent to extra seconds of silence after them: the way
    to watch an idle environment being recycled. With `sessions`, probe i belongs to
    session i mod `sessions` (ids unique to this run) and asks GET /session.
    `before_wave(sent)` runs before each wave with the count sent so far (a KVS write).
    `certificate`: the one certificate to trust for https (the local emulator's), else the
    usual authorities.

    Returns the probes sent so far, in send order, also when interrupted (KeyboardInterrupt
    propagates after `stop` is set, with the partial list attached as `err.probes`).
    """
    stop = stop or threading.Event()
    probes = []
    local = threading.local()

    run_id = uuid.uuid4().hex[:8]

    def worker(numbered):
        number, probe_id = numbered
        if not hasattr(local, "session"):
            local.session = requests.Session()
        session_id = f"{run_id}-{number % sessions}" if sessions else None
        return send_one(local.session, url, probe_id, session_id, certificate)

    waves = [min(concurrency, requests_count - i) for i in range(0, requests_count, concurrency)]
    with Progress(transient=True, disable=not show_progress) as progress, \
            ThreadPoolExecutor(max_workers=concurrency) as pool:
        task = progress.add_task("probing", total=requests_count)
        try:
            for index, size in enumerate(waves):
                if index and stop.wait(interval + (pauses or {}).get(len(probes), 0)):
                    break
                if before_wave:
                    before_wave(len(probes))
                wave = list(pool.map(worker, [(len(probes) + i, new_probe_id())
                                              for i in range(size)]))
                probes.extend(wave)
                progress.advance(task, size)
        except KeyboardInterrupt as err:
            stop.set()
            err.probes = probes
            raise
    return probes
