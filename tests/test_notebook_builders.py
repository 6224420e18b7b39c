"""rnncore.lesson.notebooks without a kernel: valid v4 notebooks, code that compiles, the page's numbers held
exactly, and bad input refused. tests/test_notebooks.py runs them in a real kernel."""
from __future__ import annotations

import numpy as np
import nbformat
import pytest

from rnncore import gates, memory
from rnncore.config import init_weights
from rnncore.lesson import notebooks
from rnncore.lesson.book import LESSON_X, book_weights
from rnncore.manual import run_manual


def _code(built) -> list[str]:
    return [cell.source for cell in built.cells if cell.cell_type == "code"]


def _namespace_of_data_cell(built) -> dict:
    """Run the cell that holds the literals (NumPy only) and return what it defines."""
    namespace = {"np": np}
    exec(next(source for source in _code(built) if "page_" in source and "import" not in source), namespace)
    return namespace


def _layer(lengths=None):
    X = np.random.default_rng(3).standard_normal((3, 5, 2)).astype(np.float32)  # (batch, steps, inputs)
    w = init_weights(2, 4, seed=9, scale=0.8, activation="relu")
    result = run_manual(X, w, lengths)
    return X, w, result, notebooks.layer_notebook(X, w, result.outputs, result.state, lengths, "a test")


@pytest.mark.parametrize("lengths", [None, [5, 0, 2]])
def test_the_layer_notebook_holds_the_exact_run_and_compiles(lengths):
    X, w, result, built = _layer(lengths)
    nbformat.validate(built)
    assert built.nbformat == 4 and built.metadata.kernelspec.language == "python"
    for source in _code(built):
        compile(source, "cell", "exec")
    held = _namespace_of_data_cell(built)
    assert np.array_equal(held["X_batch"], X) and np.array_equal(held["Wy_init"], w.Wy)
    assert np.array_equal(held["page_outputs"], result.outputs)  # bit for bit, float32
    assert np.array_equal(held["page_state"], result.state)
    text = "\n".join(_code(built))
    assert ("dynamic_rnn" in text) == (lengths is not None) and "keras.layers.SimpleRNN" in text
    assert text.index('os.environ["TF_USE_LEGACY_KERAS"] = "1"') < text.index("import tensorflow")
    assert _code(built)[-1].startswith(f'print("{notebooks.SUMMARY_MARK}"')


def test_the_notebook_round_trips_through_its_bytes():
    *_, built = _layer()
    again = nbformat.reads(notebooks.to_bytes(built).decode(), as_version=4)
    nbformat.validate(again)
    assert [c.source for c in again.cells] == [c.source for c in built.cells]


def test_the_memory_notebook_holds_the_pages_norms():
    X, w = memory.input_pattern(6)[None], memory.memory_weights(3, 1, 1.2, "linear")
    outputs = run_manual(X, w).outputs
    norms = memory.state_norms(outputs[0])
    built = notebooks.memory_notebook(X, w, outputs, norms, 1.2)
    assert np.array_equal(_namespace_of_data_cell(built)["page_norms"], norms.astype(np.float32))
    assert any("np.linalg.eigvals" in source for source in _code(built))


def test_the_gated_notebook_checks_all_three_cells():
    X = memory.input_pattern(4, "noise")[None]
    simple = memory.memory_weights(2, 0, 0.9)
    lstm, gru = gates.init_weights("lstm", 3, 2, 0), gates.init_weights("gru", 3, 2, 0)
    runs = {"SimpleRNN": run_manual(X, simple), "LSTM": gates.run(X, lstm), "GRU": gates.run(X, gru)}
    built = notebooks.gated_notebook(X, simple, lstm, gru, {c: r.outputs for c, r in runs.items()}, runs["LSTM"].cell)
    text = "\n".join(_code(built))
    assert all(f'check("Keras {cell} outputs"' in text for cell in runs) and "TF1 SimpleRNN" in text
    with pytest.raises(ValueError, match="kind 'gru'"):
        notebooks.gated_notebook(X, simple, lstm, lstm, {}, runs["LSTM"].cell)


def test_bad_input_is_refused_before_anything_is_built():
    with pytest.raises(ValueError, match="no measurement"):
        notebooks.unrolling_notebook(init_weights(), {"static": {}})
    with pytest.raises(ValueError):
        notebooks.layer_notebook(LESSON_X[:, :, :2], book_weights(), np.zeros((4, 2, 5)), np.zeros((4, 5)))
    with pytest.raises(ValueError):
        notebooks.text_lab_notebook("", "SimpleRNN", 4, 2, 0, np.zeros((0, 0)), np.zeros((0, 0)))
