"""Class load (issue 12): N simulated students drive a live dashboard through Streamlit's own WebSocket,
without a browser, so the waits measured are the server's own. Run: `python tests/class_load.py`.

Each student opens one shared link (a page and its query string), then every student moves a slider at
the same moment, round after round: a `rerun_script` BackMsg with the moved slider's new value, its widget
id read from the student's first run. A wait is from sending the message to the run's `script_finished`.
The tool reports, per class size and action, the p50/p95/max wait, the errors (an exception or error box on
the page, a failed run, a move the server did not take, a timeout), the server's CPU (cores busy, psutil,
the server and its children) and resident memory while the class is connected, and the largest class whose
slider p95 stays within the target. It starts its own `streamlit run dashboard/app.py` on a free port of
127.0.0.1, or attaches to one with --url (and --pid for its CPU and memory). Classes are tried in
increasing size on the same server; a class that misses the target ends the ladder unless --all-sizes.

With --train, the class then presses Train on the Keras lab (train_check): one student alone, the whole
class at once with the same settings, and the class with a seed each; each student polls as the page's
fragment does until the result shows. With --follow, instead: the class joins a class session on /class
(the tool points the server it starts at a fresh SQLite store, or --database names the store of --url's
server), each page polls as the browser does, and the instructor sends the class to an experiment; the
wait is from the sending to each student's finished run of the experiment page, with its banner.
Wire details (Streamlit 1.67, pinned): /work/shared/notes/streamlit-wire.md; they are Streamlit internals,
so `check_wire()` fails loudly if a field this tool relies on disappears.

Quick check: `python tests/class_load.py --students 1,2 --moves 1`.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import math
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import psutil  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

SLIDER_TARGET_S = 1.0   # issue 12: 30 students moving sliders at once, p95 server round trip within 1 s
LINK = "/by_hand?steps=5"
SLIDERS = ("seed", "neurons")  # moved in turn; each student moves by its own amount, so caches do not hide the work
CLASSES = (1, 10, 20, 30)
MOVES = 3               # slider moves per student and class
RUN_TIMEOUT_S = 120     # one script run; the first TensorFlow page of a fresh server imports TF
SAMPLE_S = 0.5          # the server's memory is sampled this often while a class is connected
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
FINISHED_OK = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
FRAGMENT_OK = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")


def check_wire() -> None:
    """Every protobuf field this tool uses, by name: a Streamlit upgrade that drops one fails here."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.Element_pb2 import Element
    from streamlit.proto.Navigation_pb2 import Navigation
    from streamlit.proto.Slider_pb2 import Slider

    needed = {BackMsg: ("rerun_script",), ClientState: ("query_string", "page_name", "page_script_hash", "widget_states"),
              WidgetState: ("id", "double_array_value"),
              ForwardMsg: ("navigation", "delta", "page_info_changed", "script_finished", "page_not_found"),
              Navigation: ("page_script_hash",),
              Element: ("slider", "exception", "alert"),
              Slider: ("id", "min", "max", "step", "value", "default", "query_param_key", "data_type")}
    for message, names in needed.items():
        fields = message.DESCRIPTOR.fields_by_name
        missing = [name for name in names if name not in fields]
        assert not missing, f"Streamlit's {message.DESCRIPTOR.name} has no {missing}: the wire changed, see the docstring"


# ---------------------------------------------------------------- one student

def url_number(value: float) -> str:
    """A number as the browser writes it into the URL (JavaScript's String(): 43, 0.95)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Run:
    seconds: float
    errors: list = field(default_factory=list)


class Student:
    """One WebSocket session: what the browser would send, and what it learns from the server's replies."""

    def __init__(self, base_url: str, index: int, same: bool = False, cookie: str | None = None):
        self.base_url, self.index, self.same, self.cookie = base_url.rstrip("/"), index, same, cookie
        self.ws = None
        self.upstream = None           # behind deploy/nginx.conf.template: the process nginx chose (its header)
        self.buttons: dict = {}        # a button's key -> its widget id, from the last full run
        self.texts: list = []          # markdown, alerts and progress texts of the last run (or fragment run)
        self.fragment_id = ""          # the fragment the page asked to rerun every few seconds, if any
        self.poll_s = 1.0              # ... and how often (the page's run_every)
        self.page_name = self.page_hash = self.query = ""
        self.sliders: dict = {}        # query-param key -> the Slider element of the last run
        self.slider_fragments: dict = {}  # query-param key -> the fragment that drew it ("" : the page)
        self.widget_states: dict = {}  # widget id -> WidgetState: what this student has moved
        self.values: dict = {}         # query-param key -> the value this student set
        self.page_digest = b""         # of every element the last run drew: a move must change it

    async def connect(self) -> None:
        host = urlsplit(self.base_url).netloc
        path = urlsplit(self.base_url).path.rstrip("/")
        self.ws = await websockets.connect(f"ws://{host}{path}/_stcore/stream", origin=f"http://{host}",
                                           subprotocols=["streamlit"], max_size=None, open_timeout=30,
                                           ping_interval=None,
                                           additional_headers={"Cookie": self.cookie} if self.cookie else None)
        self.upstream = self.ws.response.headers.get("X-Lab-Upstream")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open(self, link: str) -> Run:
        """The browser's first message after loading `link`: a rerun for that page and query string."""
        parts = urlsplit(link)
        self.page_name, self.query = parts.path.strip("/"), parts.query
        return await self._rerun()

    async def move(self, key: str, round_: int) -> Run:
        """Move slider `key` by this student's own amount (1 + its index steps; 1 for all with `same`), back
        and forth in turn, within the slider's range (so a short slider gives some students equal values)."""
        slider = self.sliders.get(key)
        if slider is None:
            return Run(0.0, [f"no slider {key!r} on /{self.page_name} (sliders: {sorted(self.sliders)})"])
        current = self.values.get(key, (list(slider.value) or list(slider.default))[0])
        amount = slider.step * (1 if self.same else 1 + self.index) * (1 if round_ % 2 == 0 else -1)
        target = current + amount if slider.min <= current + amount <= slider.max else current - amount
        target = min(max(target, slider.min), slider.max)
        state = WidgetState(id=slider.id)
        state.double_array_value.data.append(target)
        self.widget_states[slider.id] = state
        self.values[key] = target
        # The browser writes a bound widget's new value into its URL (and drops it at the default) before
        # it asks for the rerun, and sends that query string.
        query = dict(parse_qsl(self.query, keep_blank_values=True))
        query.pop(key, None)
        default = (list(slider.default) or [None])[0]
        if default is None or not math.isclose(target, default):
            query[key] = url_number(target)
        self.query = urlencode(sorted(query.items()))
        before = self.page_digest
        # A slider inside an st.fragment reruns that fragment only, as the browser asks (Delta.fragment_id).
        run = await self._rerun(fragment_id=self.slider_fragments.get(key, ""))
        shown = dict(parse_qsl(self.query)).get(key)
        if not run.errors and shown is not None and not math.isclose(float(shown), target):
            run.errors.append(f"the server changed {key}={url_number(target)} to {shown}: its query string is {self.query!r}")
        if not run.errors and self.page_digest == before:
            run.errors.append(f"the page did not change after {key} moved to {url_number(target)}")
        return run

    async def click(self, key: str) -> Run:
        """Press the button whose key is `key`: its trigger travels with this one rerun only."""
        if key not in self.buttons:
            return Run(0.0, [f"no button {key!r} on /{self.page_name} (buttons: {sorted(self.buttons)})"])
        trigger = WidgetState(id=self.buttons[key], trigger_value=True)
        return await self._rerun(extra=[trigger])

    async def poll(self) -> Run:
        """What the browser does every run_every seconds for a polling fragment (a full rerun if none)."""
        return await self._rerun(fragment_id=self.fragment_id, auto=True)

    async def _rerun(self, extra=(), fragment_id: str = "", auto: bool = False) -> Run:
        message = BackMsg()
        client = message.rerun_script
        client.query_string = self.query
        client.page_name = self.page_name
        client.page_script_hash = self.page_hash
        client.widget_states.widgets.extend([*self.widget_states.values(), *extra])
        if fragment_id:
            client.fragment_id, client.is_auto_rerun = fragment_id, auto
        start = time.perf_counter()
        errors = []
        try:
            await self.ws.send(message.SerializeToString())
            await asyncio.wait_for(self._until_finished(errors), RUN_TIMEOUT_S)
        except asyncio.TimeoutError:
            errors.append(f"no script_finished within {RUN_TIMEOUT_S} s")
        except websockets.ConnectionClosed as closed:
            errors.append(f"the server closed the WebSocket ({closed.rcvd.code if closed.rcvd else 'no code'})")
        return Run(time.perf_counter() - start, errors)

    async def _until_finished(self, errors: list) -> None:
        sliders, fragments, buttons, texts, digest = {}, {}, {}, [], hashlib.sha256()
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await self.ws.recv())
            kind = reply.WhichOneof("type")
            if kind == "navigation":  # the page this run shows: the browser names it in its next rerun
                self.page_hash = reply.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = reply.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.fragment_id = reply.auto_rerun.fragment_id
                self.poll_s = reply.auto_rerun.interval
            elif kind == "page_not_found":
                errors.append(f"page not found: /{self.page_name}")
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                digest.update(element.SerializeToString(deterministic=True))
                what = element.WhichOneof("type")
                if what == "slider" and element.slider.query_param_key:
                    sliders[element.slider.query_param_key] = element.slider
                    fragments[element.slider.query_param_key] = reply.delta.fragment_id
                elif what == "button":
                    buttons[element.button.id.rsplit("-", 1)[-1]] = element.button.id  # ids end in "-<key>"
                elif what in ("markdown", "alert", "progress"):
                    texts.append(getattr(element, what).body if what != "progress" else element.progress.text)
                elif what == "exception":
                    errors.append(f"exception on the page: {element.exception.message[:300]}")
                elif what == "alert" and element.alert.format == element.alert.ERROR:
                    errors.append(f"error box on the page: {element.alert.body[:300]}")
            elif kind == "script_finished":
                if reply.script_finished == EARLY_FOR_RERUN:
                    sliders, fragments, buttons, texts, digest = {}, {}, {}, [], hashlib.sha256()
                    continue  # the page asked for a rerun at once (entry_guard): the student waits for it
                if reply.script_finished not in (FINISHED_OK, FRAGMENT_OK):
                    errors.append(f"script finished with status {reply.script_finished}")
                fragment_run = reply.script_finished == FRAGMENT_OK
                if sliders:  # a fragment run redraws its own sliders only: the page's others stay
                    self.sliders = sliders if not fragment_run else {**self.sliders, **sliders}
                    self.slider_fragments = fragments if not fragment_run else {**self.slider_fragments, **fragments}
                if buttons:
                    self.buttons = buttons
                self.texts = texts
                self.page_digest = digest.digest()
                return


# ---------------------------------------------------------------- the server's process

def server_family(port: int, pid: int | None = None):
    """The server's psutil.Process: `pid`, else the process listening on `port`, else None (figures n/a)."""
    if pid is not None:
        return psutil.Process(pid)
    with contextlib.suppress(psutil.Error):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.laddr and connection.laddr.port == port and connection.status == psutil.CONN_LISTEN \
                    and connection.pid:
                return psutil.Process(connection.pid)
    return None


def _family(server) -> list:
    with contextlib.suppress(psutil.Error):
        return [server, *server.children(recursive=True)]
    return []


def cpu_seconds(server) -> float:
    total = 0.0
    for process in _family(server):
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def memory_mb(server) -> float:
    """Memory of the server and its children, in MB (10^6 bytes): the sum of their proportional set sizes
    (PSS), so the pages of TensorFlow's libraries that several processes map from the same files count
    once, as the machine holds them; their resident sizes (RSS) if PSS cannot be read."""
    total = 0
    for process in _family(server):
        with contextlib.suppress(psutil.Error):
            try:
                total += process.memory_full_info().pss
            except (psutil.AccessDenied, AttributeError):
                total += process.memory_info().rss
    return total / 1e6


# ---------------------------------------------------------------- a class

def percentile(values: list, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def summary(runs: list) -> dict:
    waits = [run.seconds for run in runs if not run.errors]
    errors = [error for run in runs for error in run.errors]
    figures = {"count": len(runs), "errors": len(errors), "first_error": errors[0] if errors else None}
    if waits:
        figures |= {"p50_s": percentile(waits, 50), "p95_s": percentile(waits, 95), "max_s": max(waits)}
    return figures


async def run_class(base_url: str, students: int, link: str = LINK, sliders=SLIDERS, moves: int = MOVES,
                    server=None, same: bool = False, idle: int = 0) -> dict:
    """`students` connect and open `link` at the same moment, then `moves` rounds in which every student
    moves a slider at once (the keys of `sliders` in turn; with `same`, every student to the same value,
    as a class told "set the seed to 43" would). Returns the figures per action, the server's
    CPU during the slider rounds and its memory while the class is connected. `idle` more sessions
    connect and open the link first, untimed, and stay connected without acting (tabs left open)."""
    bystanders = [Student(base_url, students + i) for i in range(idle)]
    idle_errors = []
    for chunk in range(0, idle, 10):  # ten at a time: they are not what is measured
        outcomes = await asyncio.gather(*(s.connect() for s in bystanders[chunk:chunk + 10]), return_exceptions=True)
        idle_errors += [repr(o) for o in outcomes if isinstance(o, BaseException)]
        opened_idle = await asyncio.gather(*(s.open(link) for s in bystanders[chunk:chunk + 10] if s.ws is not None))
        idle_errors += [e for run in opened_idle for e in run.errors]
    class_ = [Student(base_url, i, same) for i in range(students)]
    connect_errors = []
    for student, outcome in zip(class_, await asyncio.gather(*(s.connect() for s in class_), return_exceptions=True)):
        if isinstance(outcome, BaseException):
            connect_errors.append(f"student {student.index} could not connect: {outcome!r}")
    present = [s for s in class_ if s.ws is not None]
    peak = [memory_mb(server) if server else None]

    async def sample() -> None:
        while server is not None:
            peak[0] = max(peak[0], memory_mb(server))
            await asyncio.sleep(SAMPLE_S)

    sampler = asyncio.create_task(sample())
    try:
        opened = await asyncio.gather(*(s.open(link) for s in present))
        client_cpu, wall, cpu = time.process_time(), time.perf_counter(), cpu_seconds(server) if server else None
        moved = []
        for round_ in range(moves):
            key = sliders[round_ % len(sliders)]
            moved += await asyncio.gather(*(s.move(key, round_) for s in present))
        wall = time.perf_counter() - wall
        client_cpu = time.process_time() - client_cpu
        result = {"students": students, "idle": idle, "idle_errors": idle_errors, "open": summary(opened),
                  "slider": summary(moved), "connect_errors": connect_errors, "slider_wall_s": wall,
                  "client_cores": client_cpu / wall}
        if server is not None:
            used = cpu_seconds(server) - cpu
            result |= {"server_cores": used / wall, "memory_mb": memory_mb(server),
                       "cpu_ms_per_rerun": 1000 * used / max(len(moved), 1)}
            peak[0] = max(peak[0], result["memory_mb"])
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        await asyncio.gather(*(s.close() for s in [*present, *bystanders]), return_exceptions=True)
    result["peak_memory_mb"] = peak[0]
    return result


# ---------------------------------------------------------------- a class presses Train

TRAIN_LINK = "/keras_lab"   # the lab at its defaults (3 cells, 10 epochs, 1000 series of 50 steps)
TINY_LINK = "/keras_lab?lab_examples=100&lab_steps=10&lab_units=4&lab_epochs=2&lab_lstm=false&lab_gru=false"
TRAIN_TIMEOUT_S = 900       # one student's wait for a result, queue included
RESULT_TEXT = "Training time of this run"       # the caption under a finished run's table
VISIBLE_STATE = ("Waiting: place ", "Starting", "epoch ", RESULT_TEXT)  # what the page shows after Train
TRAIN_RATIO_TARGET = 1.2    # issue 12: the last of a class with the same settings within 1.2x one run
SEEDS_MARGIN = 0.2          # issue 19: a seed each, the last within (runs / workers) x one run + 20%


async def train_and_wait(student: Student, link: str, pressed: list | None = None) -> dict:
    """Open `link`, press Train, poll as the page's fragment does until the result shows. Returns the
    wait, whether the first page after Train showed a place in the queue, a run or the result, that
    page's texts ("first_texts"), whether any page showed an epoch of the run ("saw_epochs"), and errors.
    `pressed`, if given, gets this student's index once Train's run has come back."""
    opened = await student.open(link)
    if opened.errors:
        return {"seconds": None, "visible": False, "place": None, "first_texts": [], "saw_epochs": False,
                "errors": opened.errors}
    start = time.perf_counter()
    run = await student.click("lab_train")
    if pressed is not None:
        pressed.append(student.index)
    errors, first_texts = list(run.errors), list(student.texts)
    visible = any(text.startswith(VISIBLE_STATE) or RESULT_TEXT in text for text in first_texts)
    places = [text for text in first_texts if text.startswith("Waiting: place ")]
    saw_epochs = any("epoch " in text for text in first_texts)
    while not errors and not any(RESULT_TEXT in text for text in student.texts):
        if time.perf_counter() - start > TRAIN_TIMEOUT_S:
            errors.append(f"no result within {TRAIN_TIMEOUT_S} s")
            break
        await asyncio.sleep(student.poll_s)
        errors += (await student.poll()).errors
        saw_epochs = saw_epochs or any("epoch " in text for text in student.texts)
    return {"seconds": time.perf_counter() - start, "visible": visible,
            "place": places[0].split(".")[0] if places else None, "first_texts": first_texts,
            "saw_epochs": saw_epochs, "errors": errors}


async def run_train(base_url: str, students: int, link: str, same: bool, seed: int,
                    pressed: list | None = None, first_index: int = 0) -> dict:
    """`students` open the lab and press Train at the same moment: with `same`, all with seed `seed`;
    else student i with seed + i (so nobody's run is stored already). Returns the waits, errors, and
    how many saw no place in the queue, no run and no result right after pressing Train. `pressed`
    collects who has pressed (see train_and_wait); `first_index` numbers the students from there."""
    sep = "&" if "?" in link else "?"
    class_ = [Student(base_url, first_index + i) for i in range(students)]
    await asyncio.gather(*(s.connect() for s in class_))
    try:
        outcomes = await asyncio.gather(*(train_and_wait(s, f"{link}{sep}lab_seed={seed + (0 if same else s.index - first_index)}",
                                                         pressed) for s in class_))
    finally:
        await asyncio.gather(*(s.close() for s in class_), return_exceptions=True)
    waits = [o["seconds"] for o in outcomes if not o["errors"]]
    errors = [e for o in outcomes for e in o["errors"]]
    return {"students": students, "same": same, "link": link, "count": len(outcomes), "errors": len(errors),
            "first_error": errors[0] if errors else None, "without_visible_state": sum(not o["visible"] for o in outcomes),
            "queued": sum(o["place"] is not None for o in outcomes),
            **({"p50_s": percentile(waits, 50), "p95_s": percentile(waits, 95), "max_s": max(waits)} if waits else {})}


async def train_check(base_url: str, students: int, workers: int, log=print) -> dict:
    """The issue's two Train targets: one student alone, then the class with those settings' neighbour
    seed (same settings: last result within 1.2x one run); then one student alone on tiny settings and the
    class with a seed each on them (the last within (runs / workers) x one tiny run + 20%, nobody without a
    visible place). Seeds are drawn at random: a stored run would be instant."""
    import random

    seed = random.randrange(0, 9000 - 3 * students)
    alone = await run_train(base_url, 1, TRAIN_LINK, True, seed)
    log(f"one student trains alone: {alone}")
    same = await run_train(base_url, students, TRAIN_LINK, True, seed + 1)
    log(f"{students} students, the same settings: {same}")
    tiny_alone = await run_train(base_url, 1, TINY_LINK, True, seed + 2 * students + 2)
    log(f"one student trains a tiny run alone: {tiny_alone}")
    different = await run_train(base_url, students, TINY_LINK, False, seed + 2)
    log(f"{students} students, a seed each (tiny runs): {different}")
    ratio = same["max_s"] / alone["max_s"] if "max_s" in same and "max_s" in alone else math.inf
    seeds_target = students / workers * tiny_alone.get("max_s", math.inf) * (1 + SEEDS_MARGIN)
    return {"alone": alone, "same": same, "tiny_alone": tiny_alone, "different": different, "ratio": ratio,
            "workers": workers, "seeds_target_s": seeds_target}


def train_markdown(figures: dict) -> str:
    alone, same, tiny, different = figures["alone"], figures["same"], figures["tiny_alone"], figures["different"]
    n = same["students"]
    rows = [("one student alone, defaults", alone), (f"{n} at once, the same settings (defaults)", same),
            ("one student alone, tiny run (1 cell, 2 epochs, 100 series)", tiny),
            (f"{n} at once, a seed each (tiny runs)", different)]
    out = ["| who presses Train | p50 (s) | p95 (s) | last (s) | errors | saw a place in the queue | "
           "saw nothing (no place, run or result) |", "|---|---:|---:|---:|---:|---:|---:|"]
    out += [f"| {name} | {_seconds(f, 'p50_s')} | {_seconds(f, 'p95_s')} | {_seconds(f, 'max_s')} | {f['errors']} | "
            f"{f['queued']} | {f['without_visible_state']} |" for name, f in rows]
    met = figures["ratio"] <= TRAIN_RATIO_TARGET and same["errors"] == 0
    seeds_met = different.get("max_s", math.inf) <= figures["seeds_target_s"] and different["errors"] == 0
    out += ["", f"Same settings: the last result after {figures['ratio']:.2f}x one run (target "
            f"{TRAIN_RATIO_TARGET}x): {'met' if met else '**NOT met**'}. A seed each, on {figures['workers']} "
            f"worker{'s' if figures['workers'] != 1 else ''}: the last after {_seconds(different, 'max_s')} s, target "
            f"{n} / {figures['workers']} x {_seconds(tiny, 'max_s')} s + {SEEDS_MARGIN:.0%} = "
            f"{figures['seeds_target_s']:.1f} s: {'met' if seeds_met else '**NOT met**'}; "
            f"{different['without_visible_state']} of {different['students']} saw nothing after pressing Train "
            f"(target 0): {'met' if different['without_visible_state'] == 0 and different['errors'] == 0 else '**NOT met**'}."]
    return "\n".join(out) + "\n"


def within_target(figures: dict, target_s: float) -> bool:
    slider = figures["slider"]
    return not figures["connect_errors"] and not figures.get("idle_errors") and slider["errors"] == 0 and slider.get("p95_s", math.inf) <= target_s


WHILE_TRAINING_TARGET_S = 1.5  # issue 19: sliders p95 while 30 others train with a seed each
PRESS_TIMEOUT_S = 120


async def sliders_while_training(base_url: str, students: int, link: str, sliders, moves: int, server=None,
                                 log=print) -> dict:
    """`students` press Train on the lab's tiny run with a seed each (the work goes to the job workers);
    once all have pressed, `students` others move sliders on `link` as `run_class` does, while the
    trainers keep polling their waits as their pages do. Then the trainers' results are waited for.
    Returns the slider figures, the training figures, and whether the training outlasted the sliders (if
    it did not, part of the slider rounds ran beside no training and the figure flatters the server)."""
    import random

    await run_class(base_url, 1, link, sliders, 1, server)  # warm: the page's imports and caches
    pressed: list = []
    trainers = asyncio.create_task(run_train(base_url, students, TINY_LINK, False,
                                             random.randrange(0, 9000 - students), pressed, first_index=1000))
    deadline = time.perf_counter() + PRESS_TIMEOUT_S
    while len(pressed) < students and not trainers.done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    sliding = time.perf_counter()
    figures = await run_class(base_url, students, link, sliders, moves, server)
    slid_until, outlasted = time.perf_counter(), not trainers.done()
    training = await trainers
    log(f"{students} students moved sliders while {len(pressed)} trained: slider {figures['slider']}; training {training}")
    return {"students": students, "pressed": len(pressed), "sliders": figures, "training": training,
            "slider_s": slid_until - sliding, "training_outlasted_sliders": outlasted}


def while_training_markdown(figures: dict) -> str:
    slider, training, n = figures["sliders"]["slider"], figures["training"], figures["students"]
    met = slider.get("p95_s", math.inf) <= WHILE_TRAINING_TARGET_S and slider["errors"] == 0
    cores = figures["sliders"].get("server_cores")
    return "\n".join([
        f"| {n} students move sliders while {figures['pressed']} others train (a seed each, tiny runs) | p50 (s) | "
        "p95 (s) | max (s) | errors |", "|---|---:|---:|---:|---:|",
        f"| slider round trips | {_seconds(slider, 'p50_s')} | {_seconds(slider, 'p95_s')} | {_seconds(slider, 'max_s')} | "
        f"{slider['errors']} |",
        f"| the trainers' waits for a result | {_seconds(training, 'p50_s')} | {_seconds(training, 'p95_s')} | "
        f"{_seconds(training, 'max_s')} | {training['errors']} |", "",
        f"Slider p95 target while training: {WHILE_TRAINING_TARGET_S} s: {'met' if met else '**NOT met**'}. The slider "
        f"rounds took {figures['slider_s']:.1f} s; the training "
        + ("outlasted them." if figures["training_outlasted_sliders"] else "**ended before them** (part of the rounds ran "
           "beside no training).")
        + (f" Web process (and its children) busy {cores:.2f} cores during the rounds." if cores is not None else "")]) + "\n"


async def run_ladder(base_url: str, classes, link: str, sliders, moves: int, target_s: float, server=None,
                     all_sizes: bool = False, warmup: bool = True, same: bool = False, idle: int = 0,
                     log=print) -> dict:
    if warmup:  # one untimed student first: the page's imports (TensorFlow's too) and caches are then warm
        await run_class(base_url, 1, link, sliders, 1, server)
    results = []
    for students in classes:
        figures = await run_class(base_url, students, link, sliders, moves, server, same, idle)
        results.append(figures)
        log(f"{students} students: slider {figures['slider']}, server {figures.get('server_cores', 'n/a')} cores")
        if not within_target(figures, target_s) and not all_sizes:
            break
    fits = [f["students"] for f in results if within_target(f, target_s)]
    return {"link": link, "sliders": list(sliders), "moves": moves, "same": same, "target_s": target_s, "classes": results,
            "largest_within_target": max(fits) if fits else None}


# ---------------------------------------------------------------- the instructor sends the class

FOLLOW_QUESTION = "memory.exploding"  # its experiment: the memory page with the question's settings
FOLLOW_TARGET_S = 2.0       # issue 20: every joined student's screen opens the experiment within two seconds
FOLLOW_BANNER = "Your instructor sent the class here"


async def follow_and_time(student: Student, class_size: int, class_hash: str, sent: asyncio.Event, clock: dict) -> Run:
    """Poll as the browser does (the class fragment's run_every, from this student's own phase) until a run
    opens another page than the class; the wait is from the sending to the end of that run."""
    errors: list = []
    await asyncio.sleep(student.index / class_size * student.poll_s)  # the class's phases spread over one interval
    ticks = time.perf_counter()
    while True:
        run = await student.poll()
        errors += run.errors
        if errors:
            return Run(0.0, errors)
        if student.page_hash != class_hash:
            if not sent.is_set():
                return Run(0.0, ["the page changed before the instructor sent the class"])
            if not any(FOLLOW_BANNER in text for text in student.texts):
                errors.append(f"no banner on the experiment: {student.texts[:3]}")
            return Run(time.perf_counter() - clock["sent"], errors)
        if sent.is_set() and time.perf_counter() - clock["sent"] > RUN_TIMEOUT_S:
            return Run(0.0, [f"the experiment did not open within {RUN_TIMEOUT_S} s of the sending"])
        ticks += student.poll_s  # a timer of fixed period, as the browser's (runs that overrun it are not queued)
        await asyncio.sleep(max(ticks - time.perf_counter(), 0))


async def follow_check(base_url: str, students: int, database_url: str, log=print) -> dict:
    """A class of `students` joined on /class (ids from the store, as *Join* makes them), each page polling;
    the instructor sends the class to an experiment through the store, as the panel's button does. Returns
    the waits from the sending until each student's run of the experiment finished, and the errors."""
    from dashboard.state import store
    from dashboard.state.classroom import Classroom
    from rnncore.lesson.questions import QUESTIONS

    db = store.make_engine(database_url)  # the tool's own engine on the server's store, closed at the end
    room = Classroom(db)
    session = room.start_session()
    class_ = [Student(base_url, i) for i in range(students)]
    await asyncio.gather(*(s.connect() for s in class_))
    try:
        ids = [room.join(session.code) for _ in class_]
        opened = await asyncio.gather(*(s.open(f"/class?code={session.code}&student={i}") for s, i in zip(class_, ids)))
        errors = [e for run in opened for e in run.errors]
        if errors or not all(s.fragment_id for s in class_):
            return {"students": students, "count": 0, "errors": len(errors) or students,
                    "first_error": errors[0] if errors else "the class page has no polling fragment"}
        class_hash = class_[0].page_hash
        sent, clock = asyncio.Event(), {}
        waits = [asyncio.create_task(follow_and_time(s, students, class_hash, sent, clock)) for s in class_]
        await asyncio.sleep(2 * class_[0].poll_s)  # the class polls a while, as it does before the instructor acts
        question = QUESTIONS[FOLLOW_QUESTION]
        clock["sent"] = time.perf_counter()  # the instructor's click: the panel's rerun writes the sending
        await asyncio.to_thread(room.send_class, session.code, session.secret, question.page, question.query)
        sent.set()
        runs = await asyncio.gather(*waits)
    finally:
        await asyncio.gather(*(s.close() for s in class_), return_exceptions=True)
        db.dispose()
    log(f"{students} students followed: {summary(runs)}")
    # the link each student ends on holds the question's settings (a page leaves those at its defaults out)
    wrong = [s.query for s in class_ if not s.query or not dict(parse_qsl(s.query)).items() <= question.query.items()]
    figures = {"students": students, "page": question.page, "poll_s": class_[0].poll_s, **summary(runs)}
    if wrong and not figures["errors"]:
        figures |= {"errors": len(wrong), "first_error": f"settings not the question's: {wrong[0]!r}"}
    return figures


def follow_markdown(figures: dict) -> str:
    met = figures.get("p95_s") is not None and figures["p95_s"] <= FOLLOW_TARGET_S and not figures["errors"]
    return "\n".join([
        f"## Follow the instructor: a class of {figures['students']} sent to /{figures.get('page', '?')}", "",
        f"Each student's page polls every {figures.get('poll_s', '?')} s (its fragment's run_every), the phases "
        "spread over one interval; wait: from the instructor's sending (written to the store) to the end of "
        "the student's run of the experiment page.", "",
        "| students | p50 (s) | p95 (s) | max (s) | errors | target |", "|---:|---:|---:|---:|---:|---|",
        f"| {figures['students']} | {_seconds(figures, 'p50_s')} | {_seconds(figures, 'p95_s')} | "
        f"{_seconds(figures, 'max_s')} | {figures['errors']} | p95 within {FOLLOW_TARGET_S:g} s: "
        f"{'met' if met else '**NOT met**'} |",
        *([f"", f"First error: {figures['first_error']}"] if figures.get("first_error") else [])])


# ---------------------------------------------------------------- CPU per rerun, page by page

# Each experiment page's link and the slider its students move (the slider tests/benchmark.py moves).
PAGE_SLIDERS = {"by_hand": ("/by_hand?steps=5", "seed"), "unrolling": ("/unrolling", "unr_max_steps"),
                "lengths": ("/lengths", "seed"), "memory": ("/memory", "mem_radius"),
                "keras_lab": ("/keras_lab", "lab_steps"), "gated": ("/gated", "gate_forget_bias"),
                "bptt": ("/bptt", "seed"), "text_lab": ("/text_lab", "text_seed")}


async def run_pages(base_url: str, students: int, moves: int, server, log=print) -> dict:
    """For each page of PAGE_SLIDERS: one untimed student, then `students` moving its slider at once,
    `moves` rounds. The server's CPU time over those reruns divided by their count is what one slider
    move costs the server on that page (its share of a class's wait, whatever the class size)."""
    rows = {}
    for name, (link, key) in PAGE_SLIDERS.items():
        await run_class(base_url, 1, link, (key,), 1, server)
        figures = await run_class(base_url, students, link, (key,), moves, server)
        rows[name] = {"link": link, "key": key, **figures}
        log(f"{name}: slider {figures['slider']}, {figures.get('cpu_ms_per_rerun', math.nan):.0f} ms CPU per rerun")
    return rows


def pages_markdown(rows: dict) -> str:
    out = ["| page | slider moved | reruns | p50 (s) | p95 (s) | errors | server CPU per rerun (ms) |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for name, f in rows.items():
        per_rerun = f"{f['cpu_ms_per_rerun']:.0f}" if "cpu_ms_per_rerun" in f else "n/a"
        out.append(f"| {name} (`{f['link']}`) | `{f['key']}` | {f['slider']['count']} | {_seconds(f['slider'], 'p50_s')} | "
                   f"{_seconds(f['slider'], 'p95_s')} | {f['slider']['errors']} | {per_rerun} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- report

def _seconds(figures: dict, name: str) -> str:
    return f"{figures[name]:.2f}" if name in figures else "n/a"


def markdown(report: dict) -> str:
    out = [f"## Class load: `{report['link']}`, sliders {', '.join(report['sliders'])}",
           "", f"{report['when']}; {report['machine']}; load average before: {report['load']}. Each class "
           f"connects and opens the link at once, then {report['moves']} rounds in which every student moves a "
           "slider at the same moment (" + ("all to the same value" if report["same"] else "each by its own amount, within the slider's range")
           + "). Wait: from the message sent to the run's "
           "`script_finished`, on the server's WebSocket (no browser). CPU: cores busy during the slider "
           "rounds (server and children, psutil); memory: the server's processes' proportional set sizes "
           "(PSS: library pages that several processes share count once) with the class connected, and "
           "its peak. *Idle*: more sessions that opened the link first and stay connected without acting.", "",
           "| students | action | runs | p50 (s) | p95 (s) | max (s) | errors | server CPU (cores) | "
           "server CPU per rerun (ms) | server memory (MB) | peak memory (MB) | this tool's CPU (cores) |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    first_errors = []
    for figures in report["classes"]:
        cores = f"{figures['server_cores']:.2f}" if "server_cores" in figures else "n/a"
        per_rerun = f"{figures['cpu_ms_per_rerun']:.0f}" if "cpu_ms_per_rerun" in figures else "n/a"
        rss = f"{figures['memory_mb']:.0f}" if "memory_mb" in figures else "n/a"
        who = f"{figures['students']}" + (f" (+{figures['idle']} idle)" if figures.get("idle") else "")
        peak = f"{figures['peak_memory_mb']:.0f}" if figures.get("peak_memory_mb") else "n/a"
        for action in ("open", "slider"):
            f = figures[action]
            errors = f["errors"] + (len(figures["connect_errors"]) + len(figures.get("idle_errors", []))
                                    if action == "open" else 0)
            out.append(f"| {who} | {action} | {f['count']} | {_seconds(f, 'p50_s')} | "
                       f"{_seconds(f, 'p95_s')} | {_seconds(f, 'max_s')} | {errors} | "
                       + (f"{cores} | {per_rerun} | {rss} | {peak} | {figures['client_cores']:.2f} |"
                          if action == "slider" else " | | | | |"))
            if f["first_error"]:
                first_errors.append(f"{figures['students']} students, {action}: {f['first_error']}")
        first_errors += figures["connect_errors"][:1] + figures.get("idle_errors", [])[:1]
    largest = report["largest_within_target"]
    out += ["", f"Target: slider p95 within {report['target_s']:g} s and no errors. Largest class within it, of "
            f"those tried: **{largest if largest is not None else 'none'}**."]
    if first_errors:
        out += ["", "First error of each row that had one:", *[f"- {line}" for line in first_errors]]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

@contextlib.contextmanager
def live_server(url: str | None, pid: int | None, env: dict | None = None):
    """(base URL, psutil.Process or None): the server at `url`, or a fresh one this tool starts and stops
    (with `env` in its environment)."""
    if url is not None:
        yield url.rstrip("/"), server_family(urlsplit(url).port or 80, pid)
        return
    from tests.browser.conftest import running_server

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "streamlit.log"
        try:
            with running_server(log, env) as base_url:
                yield base_url, server_family(int(base_url.rsplit(":", 1)[1]))
        finally:  # the detail behind any error a student saw, before the log goes with its folder
            if "Traceback" in log.read_text(errors="replace"):
                print(f"The server logged errors; its log ends:\n{log.read_text(errors='replace')[-4000:]}",
                      file=sys.stderr)


def parse_classes(text: str) -> tuple:
    """"30": the ladder 1, 10, 20, 30; "1,5,30": exactly those."""
    sizes = [int(part) for part in text.split(",")]
    if any(size < 1 or size > 500 for size in sizes):
        raise argparse.ArgumentTypeError(f"class sizes must be from 1 to 500, got {text!r}")
    if len(sizes) == 1:
        sizes = sorted({1, *range(10, sizes[0], 10), sizes[0]})
    return tuple(sizes)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=parse_classes, default=CLASSES,
                        help="largest class (tries 1, 10, 20, ... up to it) or a comma-separated list of sizes")
    parser.add_argument("--link", default=LINK, help="the shared link every student opens (path and query)")
    parser.add_argument("--sliders", default=",".join(SLIDERS), help="query-param keys of the sliders moved in turn")
    parser.add_argument("--moves", type=int, default=MOVES, help="slider moves per student and class")
    parser.add_argument("--target", type=float, default=SLIDER_TARGET_S, help="slider p95 target in seconds")
    parser.add_argument("--url", help="attach to a running server (http://127.0.0.1:PORT) instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id (else found by its port)")
    parser.add_argument("--all-sizes", action="store_true", help="go on after a class misses the target")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first student")
    parser.add_argument("--train", action="store_true",
                        help="then the Train action: one student alone, the class with the same settings, a seed each")
    parser.add_argument("--workers", type=int,
                        help="the server's job workers, for the Train target (default: what a server started here runs)")
    parser.add_argument("--idle", type=int, default=0,
                        help="more sessions that open the link and stay connected without acting (e.g. 70: 100 connected)")
    parser.add_argument("--same", action="store_true",
                        help="every student moves to the same value (else each by its own amount: no shared cache hits)")
    parser.add_argument("--pages", action="store_true",
                        help="instead of the ladder: every experiment page, the largest --students class, its CPU per rerun")
    parser.add_argument("--follow", action="store_true",
                        help="instead of the ladder: the largest --students class joined on /class, sent to an experiment")
    parser.add_argument("--database", help="with --url and --follow: the server's RECURRENCE_LAB_DATABASE_URL")
    parser.add_argument("--while-training", action="store_true",
                        help="instead of the ladder: the largest --students class moves sliders while as many train")
    args = parser.parse_args(argv)

    def log(line: str) -> None:  # progress on stderr, the report's markdown on stdout
        print(line, file=sys.stderr, flush=True)

    if args.follow and args.url and not args.database:
        parser.error("--follow with --url needs --database, the store the server uses")
    check_wire()
    import streamlit

    report = {"when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
              "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, Streamlit {streamlit.__version__}",
              "load": " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    scratch = tempfile.TemporaryDirectory()  # a fresh class store for the server this tool starts
    database = args.database or f"sqlite:///{Path(scratch.name) / 'lab.sqlite3'}"
    env = {"RECURRENCE_LAB_DATABASE_URL": database} if args.follow else None
    with scratch, live_server(args.url, args.pid, env) as (base_url, server):
        if args.follow:
            report["follow"] = asyncio.run(follow_check(base_url, max(args.students), database,
                                                        log=log))
            print(follow_markdown(report["follow"]))
            return report
        if args.while_training:
            report["while_training"] = asyncio.run(sliders_while_training(
                base_url, max(args.students), args.link, args.sliders.split(","), args.moves, server,
                log=log))
            print(while_training_markdown(report["while_training"]))
            return report
        if args.pages:
            report["pages"] = asyncio.run(run_pages(base_url, max(args.students), args.moves, server,
                                                    log=log))
            print(pages_markdown(report["pages"]))
            return report
        report |= asyncio.run(run_ladder(base_url, args.students, args.link, args.sliders.split(","), args.moves,
                                         args.target, server, args.all_sizes, not args.no_warmup, args.same, args.idle,
                                         log=log))
        if args.train:
            from dashboard.state import jobs

            workers = args.workers or jobs.worker_count() or 1
            report["train"] = asyncio.run(train_check(base_url, max(args.students), workers,
                                                      log=log))
    print(markdown(report))
    if args.train:
        print(train_markdown(report["train"]))
    return report


if __name__ == "__main__":
    main()
