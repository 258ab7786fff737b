"""The emulator's helper processes run this project's modules (python -m ...) as their main,
so the project must be importable from whatever folder the emulator was started in."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def project_env():
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}
