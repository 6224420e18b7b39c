"""The lab's worker entry point (dashboard.state.workers) with one more work kind for tests, "test.sleep":
no TensorFlow, a step every `step_s` seconds. Each run appends its worker's process id to the file
`log` as it starts, so a test counts the runs and knows which process to kill.

    python tests/fake_work.py --workers 2
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.state import work, workers  # noqa: E402


def sleep_run(params: dict, on_progress, should_stop) -> str:
    with open(params["log"], "a") as log:
        log.write(f"{os.getpid()}\n")
    for step in range(1, params["steps"] + 1):
        time.sleep(params["step_s"])
        on_progress({"step": step})
        if should_stop():
            return "stopped"
    return f"slept {params['steps']} steps"


work.KINDS["test.sleep"] = work.Work(sleep_run, str.encode, bytes.decode, dict, dict, 5.0)

if __name__ == "__main__":
    sys.exit(workers.main())
