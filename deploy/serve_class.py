"""Serve a class from several Streamlit processes behind Debian's nginx, on one host.

    python deploy/serve_class.py --replicas 3 --port 8500     (or: make serve-class REPLICAS=3 PORT=8500)

Starts the job queue's worker processes once for all of them (`python -m dashboard.state.workers`:
--workers, default one less than the cores), then `streamlit run dashboard/app.py` on 127.0.0.1 ports
first_backend_port, +1, ... (each told to start no workers of its own), renders
deploy/nginx.conf.template into a run folder and runs nginx in the foreground on 127.0.0.1:PORT with
sticky sessions (a cookie) and the WebSocket upgrade. The processes share class sessions and finished
training runs through the database and the job queue (SQLite in the data folder, or Redis at
RECURRENCE_LAB_REDIS_URL) (dashboard.state.store: the SQLite file of RECURRENCE_LAB_DB_PATH, by default
~/.recurrence_lab/lab.sqlite3, or PostgreSQL with RECURRENCE_LAB_DATABASE_URL), and one cookie secret.
Ctrl-C (or SIGTERM) stops nginx and every process; if one of them exits, the rest are stopped too.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
START_TIMEOUT_S = 120  # every process up and healthy: Python, Streamlit, on a busy 2-core machine


def render(port: int, backend_ports: list[int], run_dir: Path) -> str:
    upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in backend_ports)
    routes = "\n".join(f"        p{i} 127.0.0.1:{p};" for i, p in enumerate(backend_ports))
    names = "\n".join(f"        127.0.0.1:{p} p{i};" for i, p in enumerate(backend_ports))
    return (TEMPLATE.read_text().replace("{{PORT}}", str(port)).replace("{{UPSTREAMS}}", upstreams)
            .replace("{{ROUTES}}", routes).replace("{{ROUTE_NAMES}}", names).replace("{{RUN_DIR}}", str(run_dir)))


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(replicas: int, port: int, first_backend_port: int, run_dir: Path, log=print, workers: int | None = None) -> int:
    if not os.path.exists(NGINX):
        log(f"{NGINX} is missing: run `bash .ci/install-nginx` (Debian's nginx) first")
        return 2
    backend_ports = list(range(first_backend_port, first_backend_port + replicas))
    if port in backend_ports:
        raise SystemExit(f"--port {port} collides with the backend ports {backend_ports}")
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir.chmod(0o755)  # nginx's workers (nobody, when started as root) create their temp folders in it
    (run_dir / "nginx.conf").write_text(render(port, backend_ports, run_dir))
    nginx = [NGINX, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(run_dir / "nginx.conf")]
    checked = subprocess.run([*nginx, "-t", "-q"], capture_output=True, text=True)
    if checked.returncode != 0:
        log(f"nginx refused {run_dir / 'nginx.conf'}:\n{checked.stderr}")
        return 1
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)}
    processes: list[subprocess.Popen] = []
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        with open(run_dir / "workers.log", "w") as out:  # once for every web process: they share its queue
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "dashboard.state.workers", *(["--workers", str(workers)] if workers else [])],
                cwd=ROOT, env={**env, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))},
                stdout=out, stderr=subprocess.STDOUT))
        env["RECURRENCE_LAB_JOB_WORKERS"] = "0"  # the web processes start none of their own
        for backend in backend_ports:
            with open(run_dir / f"streamlit-{backend}.log", "w") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.address", "127.0.0.1",
                     "--server.port", str(backend), "--server.headless", "true",
                     "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + START_TIMEOUT_S
        for backend, process in zip(backend_ports, processes):
            while not healthy(f"http://127.0.0.1:{backend}"):
                if process.poll() is not None or time.monotonic() > deadline or stopping:
                    log(f"streamlit on port {backend} did not come up; its log: {run_dir}/streamlit-{backend}.log")
                    return 1
                time.sleep(0.3)
        processes.append(subprocess.Popen([*nginx, "-g", "daemon off;"]))
        log(f"Serving {replicas} Streamlit processes (ports {backend_ports[0]}-{backend_ports[-1]}) and their job workers behind nginx "
            f"at http://127.0.0.1:{port}  (logs in {run_dir}; Ctrl-C stops)", flush=True)
        while not stopping:
            if any(process.poll() is not None for process in processes):
                log("a process exited; stopping the others")
                return 1
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit processes (1 to 32)")
    parser.add_argument("--port", type=int, default=8500, help="nginx's port on 127.0.0.1")
    parser.add_argument("--first-backend-port", type=int, default=8501, help="the first Streamlit process's port")
    parser.add_argument("--workers", type=int, help="job worker processes (default: one less than the cores, at least 1)")
    parser.add_argument("--run-dir", type=Path, help="nginx's config, temp files and the logs (default: a new temp folder)")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 32:
        parser.error(f"--replicas must be from 1 to 32, got {args.replicas}")
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="recurrence-lab-nginx-"))
    try:
        return serve(args.replicas, args.port, args.first_backend_port, run_dir,
                     log=lambda *a, **k: print(*a, **{"flush": True, **k}), workers=args.workers)
    finally:
        if args.run_dir is None and not os.environ.get("RECURRENCE_LAB_KEEP_LOGS"):
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
