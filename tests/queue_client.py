"""One web process's worth of a student, for tests: submit a "test.sleep" run (tests/fake_work.py) to the
queue the environment names, follow it to its end, and print what it saw as one JSON line:
{"states": [...], "progress_seen": [...], "result": ..., "error": ...}.

    python tests/queue_client.py KEY WAITER STEPS STEP_S LOG
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.state import jobs  # noqa: E402
from tests import fake_work  # noqa: E402,F401  (registers "test.sleep": its decoder)

TIMEOUT_S = 120


def main(key: str, waiter: str, steps: str, step_s: str, log: str) -> None:
    queue = jobs.JobQueue()
    ticket = queue.submit("test.sleep", ("sleep", key), {"steps": int(steps), "step_s": float(step_s), "log": log},
                          waiter)
    states, seen, deadline = [], [], time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        status = queue.status(ticket)
        states.append(status.state)
        seen.append(len(status.progress))
        if status.finished:
            break
        time.sleep(0.1)
    print(json.dumps({"states": sorted(set(states)), "progress_seen": sorted(set(seen)), "result": status.result,
                      "error": status.error, "progress": [p["step"] for p in status.progress]}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
