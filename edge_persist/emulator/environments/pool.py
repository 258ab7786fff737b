"""Execution environments: real processes, reused, recycled and multiplied like Lambda's."""
import contextlib
import json
import math
import os
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import orjson

from edge_persist.emulator import ids
from edge_persist.emulator.environments import languages
from edge_persist.emulator.environments.python_worker import AUDIT_ENV, CRASH_ERRORS

# Lambda gives a function's init phase 10 s before it gives up on the environment.
INIT_TIMEOUT_S = 10.0
DEAD = {"dead": True}  # what _read_message returns when the worker's pipe closes


class InitFailed(RuntimeError):
    """The handler's module could not be loaded: Lambda answers every invoke with an error."""

    def __init__(self, spec, error):
        super().__init__(f"{spec.name}: init failed: {error['errorMessage']}")
        # One line: a Node.js message carries its require stack on the lines after.
        first = (error["errorMessage"].splitlines() or [""])[0]
        self.line = (f"{'edge function' if spec.edge else 'function'} {spec.name}: init "
                     f"failed: {error['errorType']}: {first}")


class InitErrors:
    """Tells the user about each init failure once: every cold start would repeat it."""

    def __init__(self):
        self._said = set()
        self._lock = threading.Lock()

    def say(self, failure):
        with self._lock:
            if failure.line in self._said:
                return
            self._said.add(failure.line)
        print(f"emulator: {failure.line}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class LambdaFunctionSpec:
    name: str
    code_dir: Path
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: float
    version: str = "$LATEST"
    edge: bool = False
    environment: dict = field(default_factory=dict)

    def log_group(self):
        # Lambda@Edge replicas are named us-east-1.<fn> in every region they run in.
        return f"/aws/lambda/us-east-1.{self.name}" if self.edge else f"/aws/lambda/{self.name}"


@dataclass
class Invocation:
    kind: str  # "ok", "error" (handler raised), "timeout", "crash"
    result: object = None
    error: dict = None


class Environment:
    """One worker process serving one invoke at a time."""

    def __init__(self, spec, region, shipper):
        self.spec, self.region, self.shipper = spec, region, shipper
        self.id = os.urandom(16).hex()
        self.created = self.last_used = time.monotonic()
        day = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        self.stream = f"{day}/[{spec.version}]{self.id}"
        self.group = spec.log_group()
        self._buffer = b""
        self._closed = False
        self._exited = False  # set when the worker's stderr closes: it is gone
        # A session of its own: close() kills the whole group, children a handler forked too.
        self.process = subprocess.Popen(
            languages.command(spec),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self._environment_variables(), cwd=spec.code_dir, start_new_session=True)
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout.fileno(), selectors.EVENT_READ)
        started = time.monotonic()
        ready = self._read_message(started + INIT_TIMEOUT_S)
        self.init_ms = (ready or {}).get("init_ms", 0.0) if ready is not DEAD else 0.0
        if ready and ready is not DEAD and ready.get("logs"):
            self._log(ready["logs"])
        if not ready or ready is DEAD or not ready.get("ready"):
            self._init_failed(ready, (time.monotonic() - started) * 1000)

    def _init_failed(self, ready, elapsed_ms):
        """Log the failure as Lambda does (error lines, then INIT_REPORT) and raise.

        INIT_REPORT's shape: Lambda guide, "Understanding the Lambda execution environment
        lifecycle", Failures during the Init phase
        (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
        """
        self.close()
        if ready is None:
            error = {"errorType": "Runtime.InitTimeout",
                     "errorMessage": f"init did not finish within {INIT_TIMEOUT_S:g} s"}
            self._log(f"INIT_REPORT Init Duration: {elapsed_ms:.2f} ms\tPhase: init\t"
                      "Status: timeout")
        else:
            error = (ready.get("error") if ready is not DEAD else None) or {
                "errorType": "Runtime.ExitError", "errorMessage": "Runtime exited with error: "
                f"exit status {self.process.returncode}"}
            trace = error.get("stackTrace") or []
            if not (ready and ready is not DEAD and ready.get("error_logged")):
                self._log("\n".join([f"[ERROR] {error['errorType']}: {error['errorMessage']}",
                                     *(["Traceback (most recent call last):"] if trace else []),
                                     *trace]))
            self._log(f"INIT_REPORT Init Duration: {self.init_ms or elapsed_ms:.2f} ms\t"
                      f"Phase: init\tStatus: error\tError Type: {error['errorType']}")
        raise InitFailed(self.spec, error)

    def _environment_variables(self):
        spec = self.spec
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8", "TZ": ":UTC",
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": f"us-east-1.{spec.name}" if spec.edge else spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.group, "AWS_LAMBDA_LOG_STREAM_NAME": self.stream,
            "LAMBDA_TASK_ROOT": str(spec.code_dir), "PYTHONUNBUFFERED": "1",
            "NODE_PATH": str(spec.code_dir),
        }
        env.update(spec.environment)
        if os.environ.get(AUDIT_ENV):  # -I ignores PYTHONPATH: pass the audit on explicitly
            env[AUDIT_ENV] = os.environ[AUDIT_ENV]
        return env

    def _log(self, text):
        self.shipper.put(self.region, self.group, self.stream, text)

    def _pump_stderr(self):
        for line in self.process.stderr:
            self._log(line.decode("utf-8", "replace"))
        self._exited = True

    def _read_message(self, deadline):
        """One protocol line; None on timeout; DEAD when the worker is gone."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return DEAD
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return orjson.loads(line)

    def invoke(self, event, request_id, cold):
        started = time.monotonic()
        deadline_ms = time.time() * 1000 + self.spec.timeout_s * 1000
        # One hand-over to the shipper per invoke, START to REPORT: fewer calls on the path
        # every request takes.
        lines = [f"START RequestId: {request_id} Version: {self.spec.version}"]
        try:
            # orjson, not json: encoding every event and decoding every answer ran at about
            # a quarter of the main process (py-spy --gil); the worker keeps the stdlib.
            self.process.stdin.write(orjson.dumps({"event": event, "request_id": request_id,
                                                   "deadline_ms": deadline_ms}) + b"\n")
            self.process.stdin.flush()
            answer = self._read_message(started + self.spec.timeout_s)
        except OSError:  # the worker died before it could read the event
            answer = DEAD
        self.last_used = time.monotonic()
        elapsed_ms = (self.last_used - started) * 1000
        if answer is None or answer is DEAD:
            timed_out = answer is None
            self.close()
            kind = "timeout" if timed_out else "crash"
            message = (f"Task timed out after {self.spec.timeout_s:.2f} seconds" if timed_out
                       else "Runtime exited with error: exit status "
                            f"{self.process.returncode}")
            lines += [f"{_now()} {request_id} {message}",
                      *self._report(request_id, elapsed_ms, 0, cold)]
            self._log("\n".join(lines))
            return Invocation(kind, error={"errorMessage": message})
        if answer.get("logs"):
            lines.append(answer["logs"])
        if answer.get("error") and not answer.get("error_logged"):
            lines.append(json.dumps(answer["error"]))
        lines += self._report(request_id, answer["duration_ms"], answer["max_memory_mb"], cold)
        self._log("\n".join(lines))
        kind = "ok" if answer["ok"] else "error"
        if not answer["ok"] and answer["error"].get("errorType") in CRASH_ERRORS:
            kind = "crash"
        return Invocation(kind, answer.get("result"), answer.get("error"))

    def _report(self, request_id, duration_ms, memory_mb, cold):
        """The END and REPORT lines of one invoke."""
        init = f"\tInit Duration: {self.init_ms:.2f} ms" if cold else ""
        return [f"END RequestId: {request_id}",
                f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
                f"Memory Size: {self.spec.memory_mb} MB\tMax Memory Used: {memory_mb} MB{init}"]

    @property
    def alive(self):
        # From the stderr pipe's end, not Popen.poll(): two waitpid calls per invoke under
        # the pool's lock showed in the main process's profile (py-spy --gil).
        return not (self._exited or self._closed)

    def close(self):
        """Kill the worker, whatever it forked, and release its pipes; safe to call again."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(ProcessLookupError):  # the group is already empty
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=5)
        self._selector.close()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):  # a dead worker's pipe may not flush
                stream.close()


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Pool:
    """The environments of one function in one region.

    An environment serves one request at a time, so concurrent requests start new ones.
    Idle ones are reused by `routing` (mru, lru or random; forecast/model.py uses the same
    names) and recycled after `idle_timeout`; every one is recycled after `max_lifetime`,
    even a busy one, once its request is done.
    """

    def __init__(self, spec, region, shipper, idle_timeout, max_lifetime, init_errors=None,
                 routing="mru"):
        self.spec, self.region, self.shipper = spec, region, shipper
        self.supported = languages.supported(spec.runtime)
        self.init_errors = init_errors or InitErrors()
        self.routing = routing
        self.idle_timeout, self.max_lifetime = idle_timeout, max_lifetime
        self._idle = []
        self._busy = set()
        self._lock = threading.Lock()

    def _expired(self, env, now):
        return (not env.alive or now - env.last_used >= self.idle_timeout
                or now - env.created >= self.max_lifetime)

    def invoke(self, event):
        """Run one invoke; its request id is Lambda's own, a UUID per invocation ("the AWS
        request ID generated by the Lambda service"), not the caller's."""
        if not self.supported:  # warned about at start
            return Invocation("error", error={"errorMessage": f"runtime {self.spec.runtime} is "
                                                          "not emulated"})
        request_id = ids.lambda_request_id()
        env, cold = self._acquire()
        if env is None:
            return Invocation("crash", error={"errorMessage": "environment failed to start"})
        outcome = env.invoke(event, request_id, cold)
        self._release(env, healthy=outcome.kind in ("ok", "error"))
        return outcome

    def _acquire(self):
        now = time.monotonic()
        retired = []
        with self._lock:
            env = None
            while self._idle:
                candidate = self._idle.pop(self._pick())
                if self._expired(candidate, now):
                    retired.append(candidate)
                else:
                    env = candidate
                    break
            if env is not None:
                self._busy.add(env)
        for old in retired:
            old.close()
        if env is not None:
            return env, False
        try:
            env = Environment(self.spec, self.region, self.shipper)
        except InitFailed as failure:
            self.init_errors.say(failure)
            return None, True
        with self._lock:
            self._busy.add(env)
        return env, True

    def _pick(self):
        """Which idle environment serves next: _idle is in release order, newest last. AWS
        documents no policy; most recently used is the default, and the forecast's too."""
        if self.routing == "lru":
            return 0
        if self.routing == "random":
            return random.randrange(len(self._idle))
        return -1

    def _release(self, env, healthy):
        with self._lock:
            self._busy.discard(env)
            keep = healthy and env.alive and time.monotonic() - env.created < self.max_lifetime
            if keep:
                self._idle.append(env)
        if not keep:
            env.close()

    def reap(self):
        """Retire idle environments past their idle timeout or lifetime."""
        now = time.monotonic()
        with self._lock:
            expired = [e for e in self._idle if self._expired(e, now)]
            self._idle = [e for e in self._idle if e not in expired]
        for env in expired:
            env.close()
        return len(expired)

    def kill_one(self):
        """Fault injection: kill one environment's process, as a crash would."""
        with self._lock:
            victims = list(self._idle) + list(self._busy)
        for env in victims:
            if env.alive:
                env.process.kill()
                return True
        return False

    def close(self):
        with self._lock:
            envs = self._idle + list(self._busy)
            self._idle, self._busy = [], set()
        for env in envs:
            env.close()
