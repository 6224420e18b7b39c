"""Run a notebook as a student would: in a real Jupyter kernel (ipykernel) of this test's Python, cell by cell.

The kernel gets the test's environment without TensorFlow's variables (TF_USE_LEGACY_KERAS and the rest), so
a notebook passes only if it sets them itself, as a downloaded one must. The kernelspec is written here, to a
directory of the test's own, naming `sys.executable`: no kernel installed elsewhere on the machine is used.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from rnncore.lesson.notebooks import SUMMARY_MARK

CELL_TIMEOUT_S = 240  # one cell: TensorFlow's import (a few seconds) on a loaded 2-core machine, or a training


def _kernel_dirs() -> str:
    root = Path(tempfile.mkdtemp(prefix="recurrence-lab-kernels-"))
    (root / "python3").mkdir()
    (root / "python3" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Recurrence Lab's Python", "language": "python"}))
    return str(root)


def execute(notebook: nbformat.NotebookNode | bytes) -> tuple[nbformat.NotebookNode, dict]:
    """Run every cell in a fresh kernel; return the executed notebook and its summary {check: largest gap}.

    A failing cell (a check that disagrees with the page, or any error) raises nbclient's CellExecutionError."""
    if isinstance(notebook, (bytes, str)):
        notebook = nbformat.reads(notebook, as_version=4)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[_kernel_dirs()]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_"))}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    client = NotebookClient(notebook, km=km, timeout=CELL_TIMEOUT_S, allow_errors=False)
    client.execute(env=env)
    return notebook, summary(notebook)


def summary(notebook: nbformat.NotebookNode) -> dict:
    """The executed notebook's last cell output: every check by name, and its largest difference."""
    text = "".join(output.get("text", "") for output in notebook.cells[-1].get("outputs", []))
    line = next(line for line in text.splitlines() if line.startswith(SUMMARY_MARK))
    return json.loads(line[len(SUMMARY_MARK):])
