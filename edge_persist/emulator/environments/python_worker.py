"""One execution environment: a process that imports the handler once and serves invokes.

Protocol, one JSON object per line: the emulator writes {"event", "request_id",
"deadline_ms"} to stdin; the worker answers {"ok", "result" | "error", "logs",
"duration_ms", "max_memory_mb"} on the protocol pipe. Everything the handler prints is
captured per invoke and sent back as log text, as Lambda ships stdout to CloudWatch.

Standard library only, and nothing from the tools package, so the handler sees a clean
interpreter much like the Lambda runtime's.
"""
import importlib
import io
import json
import os
import resource
import sys
import time
import traceback

# Lambda resets the environment after these; other exceptions leave it warm.
CRASH_ERRORS = ("MemoryError", "SystemExit", "KeyboardInterrupt")
# Set to a file path, every process of a local run (workers included) appends each network
# connection it makes there: the proof that nothing leaves loopback (tests/audit).
AUDIT_ENV = "EDGE_PERSIST_AUDIT_CONNECTIONS"


def audit_connections(path):
    """Append this process's start and each connect / address lookup to `path`."""
    def record(kind, detail):
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"pid": os.getpid(), "kind": kind, "detail": detail}) + "\n")

    def hook(event, args):
        if event == "socket.connect":
            record("connect", repr(args[1]))
        elif event == "socket.getaddrinfo":
            record("lookup", str(args[0]))
    record("start", " ".join(sys.orig_argv))  # sys.argv is not final yet under -m
    sys.addaudithook(hook)


class Context:
    def __init__(self, request_id, deadline_ms):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.invoked_function_arn = ""
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _max_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # ru_maxrss is KiB


def _captured(fn):
    """Run fn with stdout and stderr captured; returns (result, error, text)."""
    buffer = io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = buffer
    try:
        return fn(), None, buffer.getvalue()
    except BaseException as err:  # a handler may raise anything; report, do not die
        kind = type(err).__name__
        return None, {"errorType": kind, "errorMessage": str(err),
                      "stackTrace": traceback.format_exc().splitlines()}, buffer.getvalue()
    finally:
        sys.stdout, sys.stderr = saved


def _init_error(err, module_name):
    """An import-time failure as the Lambda Python runtime reports it: the error types and
    words of awslambdaric's bootstrap (_get_handler), the runtime interface client of the
    Lambda Python images (aws/aws-lambda-python-runtime-interface-client)."""
    if isinstance(err, SyntaxError):
        return {"errorType": "Runtime.UserCodeSyntaxError",
                "errorMessage": f"Syntax error in module '{module_name}': {err}",
                "stackTrace": [f'  File "{err.filename}" Line {err.lineno}',
                               f"    {(err.text or '').strip()}"]}
    if isinstance(err, ImportError):
        return {"errorType": "Runtime.ImportModuleError",
                "errorMessage": f"Unable to import module '{module_name}': {err}",
                "stackTrace": []}
    if isinstance(err, MemoryError):
        return {"errorType": "Runtime.OutOfMemory", "errorMessage": "Runtime exited with "
                "error: out of memory during init", "stackTrace": []}
    return {"errorType": type(err).__name__, "errorMessage": str(err),
            "stackTrace": traceback.format_exception(type(err), err, err.__traceback__)}


def _import(module_name):
    """(module, error) for the handler's module; the error in the runtime's words."""
    try:
        return importlib.import_module(module_name), None
    except BaseException as err:  # noqa: BLE001 - anything the handler's import raises
        return None, _init_error(err, module_name)


def main():
    if os.environ.get(AUDIT_ENV):
        audit_connections(os.environ[AUDIT_ENV])
    code_dir, handler_spec, memory_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # The protocol gets its own copy of fd 1; fd 1 itself then points at stderr, so a
    # handler writing to the raw descriptor cannot corrupt the protocol.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    sys.path.insert(0, code_dir)
    module_name, _, function_name = handler_spec.rpartition(".")
    started = time.perf_counter()
    (module, error), _, init_logs = _captured(lambda: _import(module_name))
    handler = getattr(module, function_name, None) if module else None
    if handler is None and error is None:
        error = {"errorType": "Runtime.HandlerNotFound",
                 "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
                 "stackTrace": []}
    protocol.write(json.dumps({"ready": error is None, "error": error, "logs": init_logs,
                               "init_ms": (time.perf_counter() - started) * 1000}) + "\n")
    if error:
        return 1
    for line in sys.stdin:
        request = json.loads(line)
        context = Context(request["request_id"], request["deadline_ms"])
        started = time.perf_counter()
        result, error, logs = _captured(lambda: handler(request["event"], context))
        answer = {"ok": error is None, "result": result, "error": error,
                  "logs": _printable(logs), "duration_ms": (time.perf_counter() - started) * 1000,
                  "max_memory_mb": _max_memory_mb()}
        protocol.write(_encoded(answer) + "\n")
        if error and error["errorType"] in CRASH_ERRORS:
            return 1
    return 0


def _printable(text):
    """Log text as UTF-8 can carry it: a lone surrogate becomes U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _encoded(answer):
    """The answer as one line of strict JSON. A result JSON cannot carry (NaN, an infinity,
    a lone surrogate, a set, nesting deeper than the interpreter recurses) is Lambda's
    Runtime.MarshalError, as the Python runtime reports it, never a broken line."""
    try:
        text = json.dumps(answer, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
        return text
    except (TypeError, ValueError, RecursionError, UnicodeEncodeError) as err:
        return json.dumps({**answer, "ok": False, "result": None, "error": {
            "errorType": "Runtime.MarshalError",
            "errorMessage": f"Unable to marshal response: {_printable(str(err))}"}},
            ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
