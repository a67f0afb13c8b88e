"""Packages a benchmark compares with, installed beside it (``pip install --target``) when they are not
importable, so the project's own environment is left as it is."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def import_beside(module: str, folder: str, packages: list[str]):
    """``module``, from the environment or from ``benchmarks/<folder>`` (installed there on first use)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        target = HERE / folder
        if not (target / module.split(".")[0]).exists():
            print(f"installing {', '.join(packages)} into {target} (benchmark only) ...", flush=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target", str(target), "--no-deps",
                            *packages], check=True)
        sys.path.insert(0, str(target))
        return importlib.import_module(module)
