"""Run a benchmark step's code in a fresh Python process, from a file.

Not `python -c`: with the Spark group installed, importing Great Expectations imports pyspark, which
takes a main module without a file for its own doctests and exits the process silently.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_child(code: str, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "step.py"
        script.write_text(code, encoding="utf-8")
        return subprocess.run([sys.executable, str(script), *args], cwd=ROOT, capture_output=True,
                              text=True, check=check, env={"PYTHONPATH": str(ROOT), **os.environ})
