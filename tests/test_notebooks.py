"""Every experiment page offers "Download as a Jupyter notebook"; the file is a valid nbformat v4 notebook, and,
run in a real Jupyter kernel (tests/kernel.py), its numbers equal the page's to float32 precision.

One AppTest render and one kernel per page, at small settings. The lesson's hello-world notebook, shipped as a
file, is what `hello_world.hello_world()` builds, and it runs too.
"""
from __future__ import annotations

import nbformat
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from tests import kernel
from tests.apptest import assert_clean, open_page
from rnncore.caps import AGREEMENT
from rnncore.lesson import hello_world
from tests.test_page_text_lab import trained_page

LABEL = "Download as a Jupyter notebook"
# page -> (small settings in its link, the checks its notebook must run: each name starts with one of these)
PAGES = {
    "by_hand": ({"steps": "3", "neurons": "4"}, ("TF1 outputs", "TF1 final state", "Keras outputs", "Keras final state")),
    "lengths": ({"steps": "4", "len1": "2", "len2": "0"}, ("TF1 outputs", "TF1 final state", "Keras outputs")),
    "unrolling": ({"unr_max_steps": "8"}, ("static graph operations", "dynamic graph operations",
                                           "dynamic_rnn outputs", "Keras unroll=False", "Keras beside static_rnn")),
    "memory": ({"mem_steps": "12", "mem_radius": "1.1", "activation": "linear"},
               ("TF1 outputs", "Keras outputs", "state norms", "spectral radius")),
    "bptt": ({"steps": "4"}, ("TF1 loss", "TF1 dL/dWx", "TF1 dL/dWy", "TF1 dL/db", "Keras loss", "Keras dL/dWy")),
    "gated": ({"gate_steps": "6", "gate_units": "3"}, ("TF1 SimpleRNN outputs", "Keras SimpleRNN outputs",
                                                       "Keras LSTM outputs", "Keras GRU outputs", "Keras LSTM cell")),
    "keras_lab": ({"lab_examples": "40", "lab_steps": "8", "lab_units": "4", "lab_lstm": "false", "lab_gru": "false"},
                  ("validation targets", "naive baseline MSE", "mean baseline MSE", "SimpleRNN untrained")),
}
TEXT_LAB = ({"text_epochs": "20", "text_units": "4"}, ("RNN p(next character)", "stateless p(next character)"))


@pytest.fixture(autouse=True)
def deferred(monkeypatch) -> dict:
    """Every deferred download the pages register, by file id. AppTest drops its media manager after each
    run, so the callables are kept here; calling one is what the server does when the button is clicked."""
    kept = {}
    register = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = register(self, data_callable, *args, **kwargs)
        kept[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return kept


def downloaded_notebook(at, deferred: dict) -> bytes:
    """The bytes the page's notebook button gives when clicked."""
    [button] = [b for b in at.get("download_button") if b.proto.label == LABEL]
    return deferred[button.proto.deferred_file_id]()


def check_runs(payload: bytes, wanted: tuple[str, ...]) -> None:
    built = nbformat.reads(payload.decode(), as_version=4)
    nbformat.validate(built)  # raises on anything but a valid v4 notebook
    assert built.nbformat == 4 and built.cells[0].cell_type == "markdown"
    _, checked = kernel.execute(built)
    for prefix in wanted:
        assert any(name.startswith(prefix) for name in checked), (prefix, sorted(checked))
    assert all(gap <= AGREEMENT for gap in checked.values()), checked


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_notebook_runs_and_gives_the_pages_numbers(page, deferred):
    query, wanted = PAGES[page]
    at = open_page(page, query)
    check_runs(downloaded_notebook(at, deferred), wanted)


def test_the_text_labs_notebook_trains_as_the_page_did(deferred):
    query, wanted = TEXT_LAB
    at = trained_page(query)
    assert_clean(at)
    check_runs(downloaded_notebook(at, deferred), wanted)


def test_the_shipped_hello_world_is_the_builders_and_runs():
    shipped = hello_world.HELLO_WORLD_FILE.read_text()
    assert shipped == nbformat.writes(hello_world.hello_world()), "run python -m rnncore.lesson.hello_world"
    _, checked = kernel.execute(shipped.encode())
    assert {"Y0 by hand", "Y1 by hand", "static_rnn", "dynamic_rnn with sequence_length", "Keras SimpleRNN"} <= set(checked)
    assert all(gap <= AGREEMENT for gap in checked.values()), checked
