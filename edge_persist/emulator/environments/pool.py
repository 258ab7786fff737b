"""Execution environments: real processes, reused, recycled and multiplied like Lambda's,
run on the emulator's event loop."""
import asyncio
import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from pathlib import Path

import orjson

from edge_persist.emulator import children, ids
from edge_persist.emulator.children import DEAD, ChildPipes
from edge_persist.emulator.environments import languages
from edge_persist.emulator.environments.python_worker import AUDIT_ENV, CRASH_ERRORS

# Errors after which the environment is not used again: the runtime's own crashes, and a
# result the worker protocol could not carry (the worker's state is not to be trusted).
RECYCLED_ERRORS = (*CRASH_ERRORS, "Runtime.MarshalError")
# Lambda gives a function's init phase 10 s before it gives up on the environment.
INIT_TIMEOUT_S = 10.0


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
    logical_id: str = ""   # in its template
    cdk_path: str = ""     # CDK's construct path (aws:cdk:path), when CDK made it

    def log_group(self):
        # Lambda@Edge replicas are named us-east-1.<fn> in every region they run in.
        return f"/aws/lambda/us-east-1.{self.name}" if self.edge else f"/aws/lambda/{self.name}"

    @cached_property  # asked on every invoke
    def identity(self):
        """What makes two specs the same code and configuration: a pool serves one identity,
        and a change to any of it (a new asset, a new timeout) gets fresh environments."""
        # The asset folder's name, not its path: CDK names it by the hash of its content,
        # and each synth of an unchanged app writes the same name into another folder.
        return (self.name, self.version, Path(self.code_dir).name, self.handler, self.runtime,
                self.memory_mb, self.timeout_s, tuple(sorted(self.environment.items())))


@dataclass
class Invocation:
    kind: str  # "ok", "error" (handler raised), "timeout", "crash"
    result: object = None
    error: dict = None


class Environment:
    """One worker process serving one invoke at a time. Made by `await Environment.start()`."""

    def __init__(self, spec, region, shipper):
        self.spec, self.region, self.shipper = spec, region, shipper
        self.id = os.urandom(16).hex()
        self.created = self.last_used = time.monotonic()
        day = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        self.stream = f"{day}/[{spec.version}]{self.id}"
        self.group = spec.log_group()
        self.invocations = 0
        self._closed = False
        self.transport = self.worker = None

    @classmethod
    async def start(cls, spec, region, shipper):
        """A started environment whose handler has loaded; InitFailed when it did not."""
        env = cls(spec, region, shipper)
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        try:
            # A session of its own, and a token in its environment: close() kills the whole
            # group and every process that carries the token, whatever session it made.
            env.transport, env.worker = await loop.subprocess_exec(
                lambda: ChildPipes(env._log), *languages.command(spec), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env._environment_variables(), cwd=spec.code_dir, start_new_session=True)
        except OSError as err:
            raise InitFailed(spec, {"errorType": "Runtime.ExitError",
                                    "errorMessage": f"the runtime did not start: {err}"}) from None
        ready = await env.worker.message(INIT_TIMEOUT_S)
        env.init_ms = ready.get("init_ms", 0.0) if isinstance(ready, dict) else 0.0
        if isinstance(ready, dict) and isinstance(ready.get("logs"), str) and ready["logs"]:
            env._log(ready["logs"])
        if not isinstance(ready, dict) or ready.get("ready") is not True:
            env._init_failed(ready, (time.monotonic() - started) * 1000)
        return env

    @property
    def pid(self):
        return self.transport.get_pid() if self.transport else None

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
            error = _error_of(ready.get("error") if isinstance(ready, dict) else None) or {
                "errorType": "Runtime.ExitError", "errorMessage": "Runtime exited with error: "
                f"exit status {self.transport.get_returncode()}"}
            trace = error.get("stackTrace") or []
            if not (isinstance(ready, dict) and ready.get("error_logged")):
                self._log("\n".join([f"[ERROR] {error['errorType']}: {error['errorMessage']}",
                                     *(["Traceback (most recent call last):"] if trace else []),
                                     *map(str, trace)]))
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
        env[children.TOKEN_ENV] = self.id
        if os.environ.get(AUDIT_ENV):  # -I ignores PYTHONPATH: pass the audit on explicitly
            env[AUDIT_ENV] = os.environ[AUDIT_ENV]
        return env

    def _log(self, text):
        self.shipper.put(self.region, self.group, self.stream, text)

    async def invoke(self, event, request_id, cold):
        started = time.monotonic()
        deadline_ms = time.time() * 1000 + self.spec.timeout_s * 1000
        self.invocations += 1
        # One hand-over to the shipper per invoke, START to REPORT: fewer calls on the path
        # every request takes.
        lines = [f"START RequestId: {request_id} Version: {self.spec.version}"]
        try:
            # orjson, not json: encoding every event and decoding every answer ran at about
            # a quarter of the main process (py-spy --gil); the worker keeps the stdlib.
            self.transport.get_pipe_transport(0).write(orjson.dumps(
                {"event": event, "request_id": request_id, "deadline_ms": deadline_ms}) + b"\n")
            answer = await self.worker.message(self.spec.timeout_s)
        # The worker died before it could read the event: its pipe is gone (OSError), closed
        # under us (uvloop's RuntimeError on a closed transport), or never was.
        except (OSError, RuntimeError, AttributeError):
            answer = DEAD
        self.last_used = time.monotonic()
        elapsed_ms = (self.last_used - started) * 1000
        if answer is not None and answer is not DEAD and not _answer_ok(answer):
            answer = DEAD  # a protocol message without its fields: the worker is broken
        if answer is None or answer is DEAD:
            timed_out = answer is None
            self.close()
            kind = "timeout" if timed_out else "crash"
            message = (f"Task timed out after {self.spec.timeout_s:.2f} seconds" if timed_out
                       else "Runtime exited with error: exit status "
                            f"{self.transport.get_returncode()}")
            lines += [f"{_now()} {request_id} {message}",
                      *self._report(request_id, elapsed_ms, 0, cold)]
            self._log("\n".join(lines))
            return Invocation(kind, error={"errorMessage": message})
        if isinstance(answer.get("logs"), str) and answer["logs"]:
            lines.append(answer["logs"])
        error = _error_of(answer.get("error"))
        if error and not answer.get("error_logged"):
            lines.append(json.dumps(error))
        lines += self._report(request_id, answer["duration_ms"], answer["max_memory_mb"], cold)
        self._log("\n".join(lines))
        kind = "ok" if answer["ok"] is True else "error"
        if kind == "error" and (error or {}).get("errorType") in RECYCLED_ERRORS:
            kind = "crash"
        return Invocation(kind, answer.get("result"), error)

    def _report(self, request_id, duration_ms, memory_mb, cold):
        """The END and REPORT lines of one invoke."""
        init = f"\tInit Duration: {self.init_ms:.2f} ms" if cold else ""
        return [f"END RequestId: {request_id}",
                f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
                f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\t"
                f"Memory Size: {self.spec.memory_mb} MB\tMax Memory Used: {memory_mb} MB{init}"]

    @property
    def alive(self):
        return not (self._closed or self.worker is None or self.worker.exited)

    @property
    def age(self):
        return time.monotonic() - self.created

    def close(self):
        """Kill the worker and everything it started, whatever session it made; safe to
        call again."""
        if self._closed:
            return
        self._closed = True
        if self.transport is not None:
            children.kill_tree(self.transport.get_pid(), self.id)
            self.transport.close()


def _answer_ok(answer):
    """Whether a worker's answer has what the protocol promises."""
    return isinstance(answer.get("ok"), bool) and isinstance(
        answer.get("duration_ms"), (int, float)) and isinstance(answer.get("max_memory_mb"),
                                                                (int, float))


def _error_of(error):
    """A worker's error object with string type and message, or None."""
    if not isinstance(error, dict):
        return None
    return {**error, "errorType": str(error.get("errorType") or "Error"),
            "errorMessage": str(error.get("errorMessage") or "")}


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Pool:
    """The environments of one function in one region, on the emulator's event loop.

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
        self.busy = set()

    def _expired(self, env, now):
        return (not env.alive or now - env.last_used >= self.idle_timeout
                or now - env.created >= self.max_lifetime)

    async def invoke(self, event):
        """Run one invoke; its request id is Lambda's own, a UUID per invocation ("the AWS
        request ID generated by the Lambda service"), not the caller's."""
        if not self.supported:  # warned about at start
            return Invocation("error", error={"errorMessage": f"runtime {self.spec.runtime} is "
                                                          "not emulated"})
        request_id = ids.lambda_request_id()
        env, cold = await self._acquire()
        if env is None:
            return Invocation("crash", error={"errorMessage": "environment failed to start"})
        try:
            outcome = await env.invoke(event, request_id, cold)
        except BaseException:  # cancelled with the emulator: the environment is not reused
            self._release(env, healthy=False)
            raise
        self._release(env, healthy=outcome.kind in ("ok", "error"))
        return outcome

    async def _acquire(self):
        now = time.monotonic()
        env = None
        while self._idle:
            candidate = self._idle.pop(self._pick())
            if self._expired(candidate, now):
                candidate.close()
            else:
                env = candidate
                break
        if env is not None:
            self.busy.add(env)
            return env, False
        try:
            env = await Environment.start(self.spec, self.region, self.shipper)
        except InitFailed as failure:
            self.init_errors.say(failure)
            return None, True
        self.busy.add(env)
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
        self.busy.discard(env)
        if healthy and env.alive and time.monotonic() - env.created < self.max_lifetime:
            self._idle.append(env)
        else:
            env.close()

    def reap(self):
        """Retire idle environments past their idle timeout or lifetime."""
        now = time.monotonic()
        expired = [e for e in self._idle if self._expired(e, now)]
        self._idle = [e for e in self._idle if e not in expired]
        for env in expired:
            env.close()
        return len(expired)

    def environments(self):
        """Every live environment: the idle ones, then the busy ones."""
        return [e for e in self._idle + list(self.busy) if e.alive]

    def recycle(self):
        """Retire every idle environment now, and each busy one when its request is done:
        the next request starts a fresh one, as a new version would. How many were live."""
        live = len(self.environments())
        for env in self._idle:
            env.close()
        self._idle = []
        for env in self.busy:
            env.created = -math.inf  # past any lifetime: not kept once released
        return live

    def kill_one(self):
        """Fault injection: kill one environment's process, as a crash would. Safe to call
        from any thread: it only sends a signal; the loop sees the death."""
        for env in list(self._idle) + list(self.busy):
            if env.alive and env.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(env.pid, signal.SIGKILL)
                return True
        return False

    def close(self):
        envs = self._idle + list(self.busy)
        self._idle, self.busy = [], set()
        for env in envs:
            env.close()
