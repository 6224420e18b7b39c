"""The text lab page's sections: the training text and its link, training as a shared job, and what the
trained models show (every number from rnncore.text's NumPy pass over the trained weights).

Training runs in the job queue's worker processes (`dashboard.state.jobs`), keyed by the settings and the
text: a class pressing Train on the same settings shares one run, and different settings wait their turn. This session keeps its
tickets in Session State; a fragment polls the job every POLL_S seconds for the live loss curves. Changing
any setting leaves this session's unfinished run (it stops unless another student waits for it).

The text is a setting like the others, but its widget is not bound to the URL by Streamlit: a bound
widget would write any text it holds into the address, up to 2,000 characters (18 kB once
percent-encoded), past what proxies accept. So the link is written here, and only for a valid text of at
most SETTINGS["text"].max_chars characters; a link's text is read once, when the link is new.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts, experiment, exports, presets
from dashboard.settings import SETTINGS
from rnncore import text as chars
from rnncore.tf import chars_model
from dashboard.state import jobs
from rnncore.lesson import notebooks
from rnncore.lesson.chars_codegen import notebook_code

POLL_S = 0.5        # s between two looks at a running job: a default run lasts about a second (`make
                    # bench`), so the Keras lab's 1 s would show its curves only once they are finished
SHOWN_CHARS = 160   # the heatmap and the coloured text show the text's first characters (a screen's width)
LINE_CHARS = 16     # characters per line of the coloured text: 16 boxes of 20 px fit a phone's 390 px
KEPT_TICKETS = 4    # finished runs this session keeps (a few kB to 1 MB each)
TOP_K = 3
TICKETS, WAITER, LINKED = "_text_tickets", "_text_waiter", "_text_linked"  # Session State
MODELS = ("RNN", "stateless")


@dataclass(frozen=True)
class TextSettings:
    text: str
    cell: str
    units: int
    epochs: int
    seed: int

    @property
    def key(self) -> tuple:
        """What decides a run: the job queue's key."""
        return ("text_lab", self.text, self.cell, self.units, self.epochs, self.seed, chars_model.LEARNING_RATE)


def shown(char: str) -> str:
    """A character as a table cell or a box shows it: a space and a new line made visible."""
    return {" ": "␣", "\n": "⏎"}.get(char, char)


def problem_with(text) -> str | None:
    """Why rnncore refuses this training text, or None."""
    try:
        chars.check_text(text)
    except ValueError as reason:
        return str(reason)
    return None


# --- the text and its link ---------------------------------------------------------------------------------

def _read_link() -> None:
    """A link's text, read once per new link value, goes into the text box (a bad one leaves the default,
    and notices.url_notices says so)."""
    url = presets.single_value("text")
    if url is None or url == st.session_state.get(LINKED):
        return
    st.session_state[LINKED] = url
    try:
        st.session_state["text"] = SETTINGS["text"].parse(url)
    except ValueError:
        st.session_state["text"] = SETTINGS["text"].default


def link_fits(text: str) -> bool:
    return problem_with(text) is None and len(text) <= SETTINGS["text"].max_chars


def _write_link(text: str) -> None:
    if link_fits(text) and text != SETTINGS["text"].default:
        if st.query_params.get("text") != text:
            st.query_params["text"] = text
        st.session_state[LINKED] = text
    else:
        if "text" in st.query_params:
            del st.query_params["text"]
        st.session_state[LINKED] = None


def _use(preset: str) -> None:
    st.session_state["text"] = preset


def text_box() -> tuple[str, str | None]:
    """Preset buttons and the text box; returns the text and rnncore's reason to refuse it (or None)."""
    _read_link()
    st.session_state.setdefault("text", SETTINGS["text"].default)
    row = st.container(horizontal=True, gap="small")
    for i, (name, preset) in enumerate(chars.PRESETS.items()):
        row.button(name, key=f"text_preset_{i}", on_click=_use, args=(preset,), type="secondary")
    s = SETTINGS["text"]
    text = st.text_area(s.label, key="text", max_chars=chars.MAX_TEXT_CHARS, height=100, help=s.help)
    problem = problem_with(text)
    _write_link(text)
    if problem:
        st.error(f"This text cannot be trained on: {problem}.", icon=":material/edit:")
    elif len(text) > s.max_chars:
        st.caption(f"This text is longer than the {s.max_chars} characters a link carries: the page's link "
                   "holds the other settings and opens with the default text.")
    return text, problem


# --- training as a shared job ------------------------------------------------------------------------------

def _tickets() -> dict:
    return st.session_state.setdefault(TICKETS, {})


KIND = "text_lab.train"  # dashboard.state.work's


def params(s: TextSettings) -> dict:
    return {"text": s.text, "cell": s.cell, "units": s.units, "epochs": s.epochs, "seed": s.seed}


def submit(s: TextSettings) -> None:
    """Join or queue the run for these settings (QueueFull: a warning, nothing queued)."""
    waiter = st.session_state.setdefault(WAITER, uuid.uuid4().hex)
    try:
        ticket = jobs.default_queue().submit(KIND, s.key, params(s), waiter)
    except jobs.QueueFull as full:
        st.warning(str(full), icon=":material/hourglass_top:")
        return
    tickets = _tickets()
    tickets.pop(s.key, None)
    tickets[s.key] = ticket
    while len(tickets) > KEPT_TICKETS:
        jobs.default_queue().leave(tickets.pop(next(iter(tickets))))


def status_for(s: TextSettings) -> jobs.JobStatus | None:
    """This session's run for these settings, if it pressed Train for them; its other unfinished runs are
    left (a changed setting stops them, unless another student waits for the same run)."""
    queue, tickets = jobs.default_queue(), _tickets()
    for key, ticket in list(tickets.items()):
        if key != s.key and not queue.status(ticket).finished:
            queue.leave(ticket)
            del tickets[key]
    return queue.status(tickets[s.key]) if s.key in tickets else None


def stop(s: TextSettings) -> None:
    if s.key in _tickets():
        jobs.default_queue().leave(_tickets()[s.key])


def loss_frame(rnn_loss, stateless_loss) -> pd.DataFrame:
    return pd.DataFrame([{"epoch": epoch, "model": model, "loss": float(loss)}
                         for model, losses in zip(MODELS, (rnn_loss, stateless_loss))
                         for epoch, loss in enumerate(losses, 1)])


def progress_chart(progress: tuple):
    """The loss curves of a run's epochs so far (its TextEpoch snapshots)."""
    return charts.text_loss_curves(loss_frame([p.rnn_loss for p in progress], [p.stateless_loss for p in progress]))


def waiting_text(status: jobs.JobStatus) -> str:
    if status.state == "queued":
        return (f"Waiting: place {status.place} in the server's queue, about {status.estimate_s:.0f} s "
                "(the first run on a server also loads TensorFlow, a few seconds).")
    if not status.progress:
        return "Building the models (the first run on a server loads TensorFlow, a few seconds)…"
    last = status.progress[-1]
    return (f"Epoch {last.epoch} of {last.total}: loss RNN {last.rnn_loss:.4f}, stateless "
            f"{last.stateless_loss:.4f}" + (f" ({status.waiters} students wait for this run)"
                                            if status.waiters > 1 else ""))


@st.fragment(run_every=POLL_S)
def live(s: TextSettings) -> None:
    """The run in progress: a progress bar and the loss curves so far; a full rerun once it has ended."""
    status = status_for(s)
    if status is None or status.finished:
        st.rerun()
    done = status.progress[-1].epoch / status.progress[-1].total if status.progress else 0.0
    st.progress(done, text=waiting_text(status))
    if status.progress:
        chart_cache.show(live_spec(s.key, len(status.progress), status.progress))


@chart_cache.cached_spec
def live_spec(key: tuple, epochs_done: int, _progress: tuple):
    """The curves of run `key` after `epochs_done` epochs: built once however many students watch it."""
    return progress_chart(_progress)


@chart_cache.cached_spec
def loss_spec(key: tuple, _result: chars_model.TextResult):
    return charts.text_loss_curves(loss_frame(_result.rnn_loss, _result.stateless_loss))


# --- what the trained models show --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """rnncore's NumPy pass of both trained models over the training text."""
    text: str
    vocab: tuple
    ids: np.ndarray            # (chars,)
    rnn: chars.Forward         # probs (steps, vocab), hidden (steps, units)
    stateless: chars.Forward   # probs (steps, vocab)


@st.cache_data(max_entries=32, show_spinner=False)
def reading(key: tuple, _result: chars_model.TextResult) -> Reading:
    ids = chars.encode(_result.text).ids
    return Reading(_result.text, _result.vocab, ids, chars.forward(_result.rnn, ids[:-1]),
                   chars.forward_stateless(_result.stateless, ids[:-1]))


def _top(probs: np.ndarray, vocab) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each step's top TOP_K as text, the likeliest character, and its probability."""
    top_chars, top_probs = chars.top_next(probs, vocab, min(TOP_K, len(vocab)))
    listed = ["  ".join(f"{shown(c)} {p:.3f}" for c, p in zip(row_chars, row_probs))
              for row_chars, row_probs in zip(top_chars, top_probs)]
    return listed, top_chars[:, 0], top_probs[:, 0]


def predictions_table(r: Reading) -> pd.DataFrame:
    """One row per position: the character read, the true next one, and each model's guesses."""
    steps = len(r.ids) - 1
    table = pd.DataFrame({"read": [shown(c) for c in r.text[:-1]], "next": [shown(c) for c in r.text[1:]]},
                         index=pd.RangeIndex(steps, name="position"))
    for model, forward in zip(MODELS, (r.rnn, r.stateless)):
        listed, guess, _ = _top(forward.probs, r.vocab)
        table[f"{model} guess"] = [shown(c) for c in guess]
        table[f"{model} p(next)"] = forward.probs[np.arange(steps), r.ids[1:]]
        table[f"{model} top {TOP_K}"] = listed
    return table


def right_counts(r: Reading) -> dict[str, int]:
    """How many next characters each model puts first."""
    return {model: int((forward.probs.argmax(axis=1) == r.ids[1:]).sum())
            for model, forward in zip(MODELS, (r.rnn, r.stateless))}


def probabilities_csv(r: Reading) -> bytes:
    """Every probability of both models, tidy: model, position, read, candidate, probability, is_next."""
    steps, vocab = r.rnn.probs.shape
    frames = [pd.DataFrame({"model": model, "position": np.repeat(np.arange(steps), vocab),
                            "read": np.repeat(list(r.text[:-1]), vocab), "candidate": np.tile(r.vocab, steps),
                            "probability": forward.probs.ravel(),
                            "is_next": (np.tile(np.arange(vocab), steps) == np.repeat(r.ids[1:], vocab))})
              for model, forward in zip(MODELS, (r.rnn, r.stateless))]
    return pd.concat(frames).to_csv(index=False, float_format="%.9g").encode()


@chart_cache.cached_spec
def state_spec(key: tuple, _r: Reading):
    hidden = _r.rnn.hidden[:SHOWN_CHARS]  # (positions, units)
    positions, units = hidden.shape
    df = pd.DataFrame({"position": np.repeat(np.arange(positions), units),
                       "char": np.repeat([shown(c) for c in _r.text[:positions]], units),
                       "neuron": np.tile(np.arange(units), positions),
                       "row": np.tile([f"h{n}" for n in range(units)], positions), "value": hidden.ravel()})
    return charts.text_state_heatmap(df)  # h[t] is within (-1, 1) for all three cells


@chart_cache.cached_spec
def neuron_spec(key: tuple, neuron: int, _r: Reading):
    values = _r.rnn.hidden[:SHOWN_CHARS, neuron]
    positions = np.arange(len(values))
    df = pd.DataFrame({"position": positions, "line": positions // LINE_CHARS, "column": positions % LINE_CHARS,
                       "char": [shown(c) for c in _r.text[:len(values)]], "value": values})
    return charts.text_by_activation(df)


def sample_text(result: chars_model.TextResult, prompt: str, length: int, temperature: float,
                seed: int) -> tuple[str | None, str | None]:
    """(sampled text, None), or (None, why the prompt cannot be used)."""
    try:
        return chars.sample(result.rnn, result.vocab, prompt, length, temperature, seed), None
    except ValueError as reason:
        return None, str(reason)


def export_panel(s: TextSettings, r: Reading) -> None:
    experiment.notebook_download("text_lab", partial(notebooks.text_lab_notebook, s.text, s.cell, s.units, s.epochs,
                                                     s.seed, r.rnn.probs, r.stateless.probs))
    with st.expander("Take this run with you: probabilities and notebook code", icon=":material/download:"):
        st.download_button("Every next-character probability (CSV)", partial(probabilities_csv, r),
                           file_name=exports.file_name("text_lab", "probabilities", "csv"), mime="text/csv",
                           key="download_text_lab_csv", on_click="ignore")
        st.caption("One row per model, position and candidate character: its probability, and whether it is "
                   "the character that really comes next.")
        st.markdown("**Reproduce in a notebook**: Keras code that trains the same two models on the same text "
                    "with the same seeds and prints each model's guess at every position.")
        st.code(notebook_code(s.text, s.cell, s.units, s.epochs, s.seed), language="python")
