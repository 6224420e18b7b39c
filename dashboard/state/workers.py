"""The worker processes that run the job queue's tasks (dashboard.state.jobs), and how a server starts them.

    python -m dashboard.state.workers --workers 2      (make serve-class starts this once for every web process)

is huey's consumer over the queue the environment names (jobs.make_queue), with `--workers` worker
processes forked from it. Each worker imports TensorFlow when it starts, so no run waits for the import;
the consumer itself never imports it (forking a process that has started TensorFlow's threads is unsafe).
huey restarts a worker that died; its run is marked lost by its waiters (jobs.STALE_S).

`streamlit run dashboard/app.py` alone starts one such consumer per server process (`start_for_server`,
once, however many sessions and reruns ask), with jobs.worker_count() workers, and stops it when the
server exits; RECURRENCE_LAB_JOB_WORKERS=0 starts none (the workers run elsewhere: make serve-class,
another host). With `--parent PID` the consumer stops by itself once that process is gone (a server
killed with -9 leaves no workers behind).
"""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from dashboard.state import jobs

PRELOAD_ENV = "RECURRENCE_LAB_PRELOAD_TF"  # 0: workers import TensorFlow at their first run (as the web process)
PARENT_POLL_S = 1.0
HEALTH_CHECK_S = 2  # how soon huey replaces a worker that died (its default is 10 s)

_log = logging.getLogger(__name__)
_started: subprocess.Popen | None = None
_start_lock = threading.Lock()


def _preload_tensorflow() -> None:
    from rnncore.tf.runtime import keras

    keras()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGINT)  # huey's graceful stop: the running tasks finish first
            return


def consumer(workers: int, worker_type: str = "process", queue: jobs.Queue | None = None, preload: bool = True):
    """huey's consumer over `queue` (default: the environment's) with `workers` workers, each importing
    TensorFlow as it starts if `preload`."""
    queue = queue or jobs.make_queue()
    if preload:
        queue.huey.on_startup("preload_tensorflow")(_preload_tensorflow)
    return queue.huey.create_consumer(workers=workers, worker_type=worker_type, periodic=False,
                                      health_check_interval=HEALTH_CHECK_S, initial_delay=0.05, max_delay=0.5)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: jobs.worker_count())")
    parser.add_argument("--parent", type=int, help="stop when this process is gone")
    args = parser.parse_args(argv)
    workers = jobs.worker_count() if args.workers is None else args.workers
    if not 1 <= workers <= 64:
        parser.error(f"--workers must be from 1 to 64, got {workers}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.parent:
        threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    preload = os.environ.get(PRELOAD_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
    consumer(workers, preload=preload).run()
    return 0


def command(workers: int, parent: int | None = None) -> list[str]:
    return [sys.executable, "-m", "dashboard.state.workers", "--workers", str(workers),
            *(["--parent", str(parent)] if parent else [])]


def environment() -> dict:
    """This process's environment, with the checkout importable (a worker imports `dashboard`)."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(jobs.ROOT), path) if p)}


def start_for_server() -> subprocess.Popen | None:
    """This server process's workers, started once (None if RECURRENCE_LAB_JOB_WORKERS is 0)."""
    global _started
    with _start_lock:
        if _started is None:
            workers = jobs.worker_count()
            if workers == 0:
                return None
            _started = subprocess.Popen(command(workers, os.getpid()), cwd=jobs.ROOT, env=environment())
            atexit.register(stop, _started)
            _log.info("started %d job workers (consumer pid %d)", workers, _started.pid)
        return _started


def stop(process: subprocess.Popen, timeout_s: float = 10) -> None:
    """Stop a consumer: SIGINT lets running tasks end; after `timeout_s`, SIGKILL for it and its workers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.exit(main())
