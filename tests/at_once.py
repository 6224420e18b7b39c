"""Run the same work in several threads released at the same moment, for tests of concurrent students;
and a coroutine in a thread of its own."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading


def at_once(work, count: int) -> list[Exception]:
    """`work(i)` for i in 0..count-1, each in its own thread, all started together; the exceptions raised."""
    start, errors = threading.Barrier(count), []

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except Exception as error:  # noqa: BLE001  (returned to the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def run_async(coroutine):
    """asyncio.run in a thread of its own: a Playwright browser that ran earlier in this pytest worker
    (a session-wide fixture, or the benchmark's) can leave an event loop running in the main thread,
    where asyncio.run refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
