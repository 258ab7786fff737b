"""CloudFront Functions: one long-lived node worker per function, and the runs a behavior asks
for.

Each function's code runs in node:vm (cff_runtime.mjs), the runtime CloudFront Functions
also build on, fed JSON lines like the Python workers. A function is checked when the
emulator starts, as CloudFront checks it when it is published: code over 10 KB or code that
does not compile is one line naming the function ("Quotas", CloudFront Functions).
Per run (CloudFront guide, "Restrictions on CloudFront Functions", "Edge function logs"):
- console.log lines go to /aws/cloudfront/function/<name> in us-east-1, cut at 10 KB, between
  START and END lines; the END line carries the compute utilization, the run's time as a
  share of the 1 ms the emulator assumes as the budget;
- an exception (or an endless loop: its worker is killed after 1 s) answers 503
  FunctionExecutionError,
  an invalid result 502 FunctionValidationError, and with --enforce-compute a run over the
  budget 503 FunctionThrottledError;
- memory is not limited: node:vm cannot cap one context at the 2 MB CloudFront allows.
"""
import asyncio
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from edge_persist import edge_rules
from edge_persist.emulator.cloudfront_functions import events as function_events
from edge_persist.emulator.frontend.messages import HttpResponse
from edge_persist.emulator import children
from edge_persist.emulator.children import DEAD, ChildPipes
from edge_persist.emulator.environments.languages import node_binary
from edge_persist.emulator.lambda_edge.triggers import failure
from edge_persist.errors import UsageError

RUNTIME = Path(__file__).with_name("cff_runtime.mjs")
# Workers per function: bench.functions measured one worker as the bottleneck at
# concurrency 8; more than the machine's cores only adds processes.
WORKERS_PER_FUNCTION = min(2, os.cpu_count() or 1)
# A run that has not answered by then is stopped (the worker killed and started again).
RUN_TIMEOUT_S = 1.0
# Node's start and the code's top level (which node itself stops after 1 s).
LOAD_TIMEOUT_S = 10.0


@dataclass
class CloudFrontFunctionSpec:
    """An AWS::CloudFront::Function as the template declares it; `code` and `kvs_arn` stay
    unresolved until the stores exist (the code may embed a store's id)."""
    logical_id: str
    name: str
    runtime: str
    code: object
    kvs_arns: list
    cdk_path: str = ""     # CDK's construct path (aws:cdk:path), when CDK made it

    def log_group(self):
        return edge_rules.FUNCTION_LOG_GROUP.format(name=self.name)


@dataclass
class FunctionOutcome:
    request: object = None     # HttpRequest to go on with
    response: HttpResponse = None  # generated (viewer-request) or changed (viewer-response),
                                   # the origin's body kept where the function set none
    failed: HttpResponse = None
    origins: list = None       # origin helper calls, in order: {kind, params}
    why: str = None            # what failed, for the log


def syntax_error(code, runtime):
    """What node's parser says is wrong with a function's code (first line), or None."""
    result = subprocess.run([node_binary(), str(RUNTIME), "--check", runtime],
                            input=code.encode(), capture_output=True, timeout=30)
    if result.returncode == 0:
        return None
    lines = result.stdout.decode(errors="replace").strip().splitlines() or ["node failed"]
    return " ".join(lines[:2])


class NodeFunction:
    """One function's worker: a node process running its code, one run at a time, on the
    emulator's event loop. Made by `await NodeFunction.start()`."""

    def __init__(self, spec, code, store):
        self.spec, self.code, self.store = spec, code, store
        size = len(code.encode("utf-8", "replace"))
        if size > edge_rules.FUNCTION_MAX_CODE_BYTES:
            raise UsageError(f"CloudFront function {spec.name}: its code is {size} bytes, over "
                             f"the {edge_rules.FUNCTION_MAX_CODE_BYTES} bytes CloudFront takes")
        self._transport = self._pipes = None
        self._kvs_version = None

    @classmethod
    async def start(cls, spec, code, store):
        function = cls(spec, code, store)
        await function._start()
        return function

    async def _start(self):
        loop = asyncio.get_running_loop()
        self._transport, self._pipes = await loop.subprocess_exec(
            lambda: ChildPipes(lambda _line: None), node_binary(), str(RUNTIME),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self._kvs_version = None
        answer = await self._ask({"op": "load", "code": self.code, "runtime": self.spec.runtime,
                                  "kvsId": self.store.id if self.store else None},
                                 timeout=LOAD_TIMEOUT_S)
        if "error" in answer:
            self.close()
            lines = str(answer["error"]).strip().splitlines() or ["no answer"]
            where = f" ({lines[1]})" if len(lines) > 1 else ""
            raise UsageError(f"CloudFront function {self.spec.name}: its code does not run: "
                             f"{lines[0]}{where}")

    async def _ask(self, message, timeout=RUN_TIMEOUT_S):
        self._send(message)
        answer = await self._pipes.message(timeout)
        if answer is None:  # an endless loop: CloudFront stops it and answers as an exception
            self.close()
            return {"error": f"the function did not return within {timeout:g} s", "ms":
                    timeout * 1000}
        if answer is DEAD:
            self.close()
            return {"error": "the function's runtime exited, or answered what JSON cannot "
                             "carry"}
        return answer

    def _send(self, message):
        self._transport.get_pipe_transport(0).write(orjson.dumps(message) + b"\n")

    @property
    def alive(self):
        return self._transport is not None and not self._pipes.exited

    async def run(self, event, edge, raw_query):
        """One run; the caller holds this worker alone (FunctionPool hands each one out)."""
        try:
            if not self.alive:
                await self._start()
            if self.store is not None:
                version, data, meta = self.store.view(self._kvs_version)
                if data is not None:
                    self._send({"op": "kvs", "data": data, "meta": meta})
                    self._kvs_version = version
            return await self._ask({"op": "run", "event": event, "edge": edge,
                                    "raw": raw_query})
        # OSError or uvloop's RuntimeError: the worker's pipe closed under us.
        except (OSError, RuntimeError, UsageError, AttributeError) as err:
            self.close()
            return {"error": f"the function's runtime failed: {err}", "logs": [], "ms": 0}

    def close(self):
        if self._transport is not None:
            # Its own session, killed whole: nothing it started may outlive it.
            children.kill_tree(self._transport.get_pid())
            self._transport.close()
            self._transport = None


class FunctionPool:
    """Several workers of one function, so that concurrent requests do not queue behind one
    node process; each run takes an idle one. Made by `await FunctionPool.start()`."""

    def __init__(self, spec, code, store):
        self.spec, self.code, self.store = spec, code, store
        self._idle = asyncio.Queue()
        self._all = []

    @classmethod
    async def start(cls, spec, code, store, size=WORKERS_PER_FUNCTION):
        pool = cls(spec, code, store)
        try:
            for _ in range(size):
                worker = await NodeFunction.start(spec, code, store)
                pool._all.append(worker)
                pool._idle.put_nowait(worker)
        except Exception:
            pool.close()
            raise
        return pool

    async def run(self, event, edge, raw_query):
        worker = await self._idle.get()
        try:
            return await worker.run(event, edge, raw_query)
        finally:
            self._idle.put_nowait(worker)

    def restart(self):
        """End every worker: each starts again, fresh, at its next run (nothing a run left
        in the function's globals survives)."""
        for worker in self._all:
            worker.close()

    def close(self):
        self.restart()


class Functions:
    """Runs a distribution's CloudFront Functions and answers their failures as CloudFront."""

    def __init__(self, workers, shipper, distribution, distribution_id, stats,
                 enforce_compute=False):
        """workers: function logical id -> FunctionPool; stats: the tier's counters."""
        self.workers, self.shipper, self.distribution = workers, shipper, distribution
        self.distribution_id, self.stats = distribution_id, stats
        self.enforce_compute = enforce_compute
        self.domain = ""

    async def run(self, spec, event_type, request_id, request, edge, response=None,
                  cloudfront=()):
        """`edge`: cf.edgeLocation, empty for viewer-response (the caller's to give);
        `cloudfront`: the CloudFront-* headers the behavior's policies name, [(Name, value)]."""
        worker = self.workers[spec.logical_id]
        context = {"distributionDomainName": self.domain, "distributionId": self.distribution_id,
                   "requestId": request_id}
        event = function_events.event(event_type, context, request, response, cloudfront)
        answer = await worker.run(event, edge, request.query or None)
        budget = edge_rules.FUNCTION_COMPUTE_BUDGET_MS
        utilization = round(answer.get("ms", 0) / budget * 100)
        lines = [f"START DistributionID: {self.distribution_id}", *answer.get("logs", [])]
        outcome = self._outcome(event_type, event, answer, utilization, request, response)
        if outcome.failed is not None:
            lines.append(f"ERROR {outcome.why}")
        lines.append(f"END ComputeUtilization: {utilization}")
        self._log(spec, request_id, lines)
        return outcome

    def _outcome(self, event_type, event, answer, utilization, request, response):
        if "error" in answer:
            return self._fail("execution_errors", edge_rules.FUNCTION_EXECUTION_FAILURE,
                              f"The function failed: {answer['error'].splitlines()[0]}")
        if self.enforce_compute and utilization > 100:
            return self._fail("limit_errors", edge_rules.FUNCTION_THROTTLED_FAILURE,
                              f"The function used {utilization}% of its compute budget")
        result = answer["result"]
        origins = answer.get("origins") or []
        problems = function_events.validate(event_type, event, result) + \
            function_events.origin_problems(event_type, origins, self.distribution.origins,
                                            self.distribution.groups)
        if problems:
            return self._fail("validation_errors", edge_rules.FUNCTION_VALIDATION_FAILURE,
                              "The function's result failed validation: " + "; ".join(problems))
        if "statusCode" in result:
            return FunctionOutcome(response=function_events.to_response(
                result, response, event.get("response")), origins=origins)
        return FunctionOutcome(request=function_events.to_request(request, event["request"],
                                                                  result), origins=origins)

    def _fail(self, counter, kind, why):
        self.stats[counter] += 1
        return FunctionOutcome(failed=failure(kind), why=why)

    def _log(self, spec, request_id, lines):
        now = datetime.now(timezone.utc)
        self.shipper.put(edge_rules.FUNCTION_LOG_REGION, spec.log_group(),
                         f"{now:%Y/%m/%d}/{self.distribution_id}",
                         "\n".join(f"{request_id} {line}" for line in lines))
