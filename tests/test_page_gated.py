"""The gated cells page through AppTest: every number a student reads is rnncore.gates', links carry k,
bad URL values give a notice, the Keras check agrees, the notebook code holds the exact weights."""
import json

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.apptest import assert_clean, open_page
from dashboard.sections import gated as view
from dashboard.settings import SETTINGS
from rnncore import gates
from rnncore.lesson.codegen import float_literal
from rnncore.manual import run_manual

D = {key: SETTINGS[key].default for key in ("seed", "gate_units", "gate_steps", "gate_pattern", "gate_forget_bias",
                                           "gate_pulse_steps", "gate_hold_value", "lab_k")}


@pytest.fixture(scope="module")
def page():
    return open_page("gated")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[tuple[dict, list]]:
    return [(json.loads(c.proto.spec), [convert_arrow_bytes_to_pandas_df(d.data.data) for d in c.proto.datasets])
            for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]


def reference(units=D["gate_units"], seed=D["seed"], forget_bias=D["gate_forget_bias"], steps=D["gate_steps"],
              pattern=D["gate_pattern"]):
    X = view.sequence(steps, pattern, seed)
    simple, lstm, gru = view.layers(units, seed, forget_bias)
    return X, (simple, lstm, gru), (run_manual(X, simple), gates.run(X, lstm), gates.run(X, gru))


def hold_cell(k, value):
    return gates.run(gates.hold_inputs(k + 4, value, clear_at=k + 1), gates.hold_weights()).gates["cell"][0, :, 0]


def test_defaults_show_rnncores_numbers(page):
    _, _, (_, lstm, _) = reference()
    shown = metrics(page)
    assert shown["Largest |c[t]|"] == f"{np.abs(lstm.gates['cell']).max():.4f}"
    assert shown["Largest |h[t]|"] == f"{np.abs(lstm.outputs).max():.4f}"
    assert shown["Kept per step σ(bias)"] == f"{gates.kept_fraction(1.0, 1):.4f}" == "0.7311"
    pulse = gates.run(gates.hold_inputs(D["gate_pulse_steps"] + 1), gates.hold_weights(1.0)).gates["cell"][0, :, 0]
    assert shown[f"Kept after {D['gate_pulse_steps']} steps"] == f"{pulse[-1] / np.float64(pulse[0]):.4g}"
    assert float(shown[f"Kept after {D['gate_pulse_steps']} steps"]) == pytest.approx(
        gates.kept_fraction(1.0, D["gate_pulse_steps"]), rel=1e-3)
    assert shown["Below 1% after"] == "predict first"                     # hidden until a prediction
    k, cell = D["lab_k"], hold_cell(D["lab_k"], D["gate_hold_value"])
    assert shown["Cell at t = 0"] == f"{cell[0]:.6f}" and shown[f"Cell at t = k = {k}"] == f"{cell[k]:.6f}"
    assert cell[k + 1] == pytest.approx(0, abs=1e-4) and cell[k] == pytest.approx(np.tanh(0.8), rel=1e-3)
    assert not page.warning and page.toggle(key="gate_keras").value is False


def test_every_heatmap_holds_the_gates_of_rnncore(page):
    _, _, runs = reference()
    by_title = {spec.get("title"): data[0] for spec, data in charts(page) if spec.get("title") in view.CELLS}
    assert set(by_title) == set(view.CELLS)
    for cell, result in zip(view.CELLS, runs):
        over_time = {"outputs": result.outputs, **getattr(result, "gates", {})}
        frame = by_title[cell]
        for key, label in view.PANELS[cell]:
            rows = frame[frame["gate"] == label].sort_values(["step", "unit"])
            np.testing.assert_allclose(rows["value"], over_time[key][0].ravel(), rtol=1e-6, err_msg=label)


def test_committing_a_prediction_reveals_when_the_pulse_fades():
    at = open_page("gated")
    at.radio(key="predict_gated.pulse_20").set_value("yes")
    at.button(key="predict_gated.pulse_20_commit").click().run()
    assert_clean(at)
    assert metrics(at)["Below 1% after"] == "15 steps"
    assert gates.pulse_kept(1.0, 14) and not gates.pulse_kept(1.0, 15)
    assert any("The answer:** no" in m.value for m in at.markdown)


def test_a_link_sets_the_bias_and_k_and_the_keras_link_carries_k():
    at = open_page("gated", {"gate_forget_bias": "5", "lab_k": "30", "gate_units": "2", "gate_pattern": "pulse"})
    _, _, (_, lstm, _) = reference(units=2, forget_bias=5.0, pattern="pulse")
    shown = metrics(at)
    assert shown["Largest |c[t]|"] == f"{np.abs(lstm.gates['cell']).max():.4f}"
    assert shown["Kept per step σ(bias)"] == f"{gates.kept_fraction(5.0, 1):.4f}"
    assert shown["Cell at t = k = 30"] == f"{hold_cell(30, 0.8)[30]:.6f}"
    (link,) = [p.proto for p in at.get("page_link") if "keras_lab" in p.proto.page]
    assert "lab_k=30" in link.query_string and "lab_task=recall" in link.query_string
    assert not at.warning


@pytest.mark.parametrize("query", [{"gate_forget_bias": "abc"}, {"gate_forget_bias": "11"},
                                   {"gate_pattern": "sawtooth"}, {"lab_k": "0"}, {"gate_keras": "maybe"}])
def test_a_bad_url_value_gives_a_notice_and_the_default(query):
    at = open_page("gated", query)
    (key, _), = query.items()
    assert any(f"`{key}=" in w.value for w in at.warning), [w.value for w in at.warning]
    assert metrics(at)["Kept per step σ(bias)"] == "0.7311"


def test_the_keras_check_agrees_and_the_notebook_code_holds_the_exact_weights():
    at = open_page("gated", {"gate_steps": "6"})
    at.session_state["gated_take_away"] = True  # the notebook code is made once its expander is open
    at.run()
    code = "\n".join(c.value for c in at.code)
    _, (_, lstm, gru), _ = reference(steps=6)
    assert float_literal(lstm.kernel[2, 5]) in code and float_literal(gru.recurrent_kernel[1, 7]) in code
    assert "keras.layers.LSTM(3" in code and "keras.layers.GRU(3" in code
    at.toggle(key="gate_keras").set_value(True).run()
    assert_clean(at)
    gaps = {label: float(value) for label, value in metrics(at).items() if label.startswith("Largest |Keras")}
    assert set(gaps) == {"Largest |Keras − NumPy|, LSTM", "Largest |Keras − NumPy|, GRU"}
    assert max(gaps.values()) < 1e-5


def test_k_is_one_url_key_with_the_keras_lab():
    """The page link to the lab carries k (test above); the same `lab_k` in a link opens either page at it.
    (A switch through the navigation does not carry it: the URL is cleared and the widget unmounted.)"""
    for page, label in (("gated", "Cell at t = k = 37"), ("keras_lab", None)):
        at = open_page(page, {"lab_k": "37"})
        assert at.slider(key="lab_k").value == 37 and not at.warning
        if label:
            assert metrics(at)[label] == f"{hold_cell(37, 0.8)[37]:.6f}"


def test_every_cap_at_once_renders():
    at = open_page("gated", {"gate_units": "8", "gate_steps": "40", "gate_pulse_steps": "100", "lab_k": "99",
                             "gate_forget_bias": "-10", "gate_hold_value": "-3"})
    assert not at.warning and metrics(at)["Cell at t = k = 99"] == f"{hold_cell(99, -3.0)[99]:.6f}"
