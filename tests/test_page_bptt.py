"""The BPTT page through AppTest: the loss, the filled-in step back, every step's numbers and the charts
are rnncore.bptt's; the preset shows vanishing; bad URL values give a notice; the tape check agrees."""
import json

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.apptest import assert_clean, open_page
from dashboard.inputs_table import default_canvas
from dashboard.sections import bptt as view
from rnncore import bptt, init_weights


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[tuple[dict, list]]:
    return [(json.loads(c.proto.spec), [convert_arrow_bytes_to_pandas_df(d.data.data) for d in c.proto.datasets])
            for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]


def reference(steps=2, scale=1.0, activation="tanh", seed=42) -> bptt.Backprop:
    X = default_canvas()[:4, :steps, :3]                 # the by-hand page's input table, never edited
    return bptt.backprop(X, init_weights(3, 5, seed, scale, activation))


@pytest.fixture(scope="module")
def page():
    return open_page("bptt")


def test_defaults_show_rnncores_numbers(page):
    r = reference()
    shown = metrics(page)
    assert shown["Loss L = ½ Σ (Y[T−1] − 0)²"] == f"{r.loss:.6g}"
    assert shown["‖dL/dWy‖, the sum"] == f"{np.linalg.norm(r.dWy):.6g}"
    assert shown["Largest contribution to Wy from step"] == "predict first"
    step_back = view.step_back(r, 0, 1, 0)                # the by-hand defaults: example 0, step 1, neuron 0
    (latex,) = [e.value for e in page.latex]
    assert f"{step_back.error:.6g}" in latex and f"{step_back.slope:.6g}" in latex
    assert f"{step_back.reference:.6g}" in latex            # the sum's value is rnncore's e[0]
    assert any(f"e[0] = `{r.error[0, 0, 0]:.6g}`" in m.value and "the same number" in m.value for m in page.markdown)
    factor, contribution, steps = (d.value for d in page.dataframe)
    np.testing.assert_allclose(factor.to_numpy(), r.factor(1)[0], rtol=1e-12)
    np.testing.assert_allclose(contribution.to_numpy(), r.dWy_steps[1], rtol=1e-12)
    np.testing.assert_allclose(steps["‖dWy[t]‖"], r.dWy_norms[::-1], rtol=1e-12)
    np.testing.assert_allclose(steps["‖e[t]‖"], r.error_norms[::-1], rtol=1e-12)
    assert not page.warning and page.toggle(key="bptt_tape").value is False


def test_the_charts_hold_each_steps_contribution_and_their_sum(page):
    r = reference()
    (panels, [panel_data]), (norms, [norm_data]) = charts(page)[:2]
    total = panel_data[panel_data["panel"] == "sum = dL/dWy"].sort_values(["row", "col"])
    np.testing.assert_allclose(total["value"], r.dWy.ravel(), rtol=1e-12)
    assert sorted(panel_data["panel"].unique()) == ["sum = dL/dWy", "t = 0", "t = 1"]
    wy = norm_data[norm_data["weight"] == "Wy"].sort_values("step")
    np.testing.assert_allclose(wy["value"], r.dWy_norms, rtol=1e-12)
    assert norms["encoding"]["y"]["scale"]["type"] == "log"


def test_the_vanishing_preset_after_a_prediction():
    at = open_page("bptt", {"preset": "vanishing"})
    at.button(key="predict_bptt.largest_dWy_skip").click().run()
    assert_clean(at)
    r = reference(steps=20)
    assert metrics(at)["Largest contribution to Wy from step"] == f"t = {r.largest_dWy_step}" == "t = 19"
    assert r.dWy_norms[1] < 1e-4 * r.dWy_norms[-1]           # the preset's point: it vanished
    assert any("**vanished**" in m.value for m in at.markdown)
    assert at.slider(key="step").value == 19


def test_moving_the_step_back_changes_the_filled_numbers():
    at = open_page("bptt", {"steps": "5", "activation": "relu", "scale": "0.5"})
    before = at.latex[0].value
    at.slider(key="step").set_value(3).run()
    assert_clean(at)
    r = reference(steps=5, scale=0.5, activation="relu")
    step_back = view.step_back(r, 0, 3, 0)
    assert at.latex[0].value != before and f"{step_back.reference:.6g}" in at.latex[0].value


@pytest.mark.parametrize("query", [{"steps": "abc"}, {"bptt_log": "maybe"}, {"step": "1e9"}])
def test_a_bad_url_value_gives_a_notice_and_the_default(query):
    at = open_page("bptt", query)
    (key, _), = query.items()
    assert any(f"`{key}=" in w.value for w in at.warning), [w.value for w in at.warning]
    assert metrics(at)["Loss L = ½ Σ (Y[T−1] − 0)²"] == f"{reference().loss:.6g}"


def test_the_gradient_tape_check_agrees():
    at = open_page("bptt", {"steps": "4"})
    at.toggle(key="bptt_tape").set_value(True).run()
    assert_clean(at)
    assert metrics(at)["Loss by TensorFlow"] == f"{reference(steps=4).loss:.6g}"
    assert float(metrics(at)["Largest |tape − by hand|"]) < 1e-5


def test_every_cap_at_once_renders():
    """20 steps of 16 x 16 contributions: 5376 rows in the panels chart, past Altair's DataFrame guard."""
    at = open_page("bptt", {"steps": "20", "neurons": "16", "inputs": "8", "batch": "8", "scale": "3",
                            "activation": "linear", "step": "19", "neuron": "15", "example": "7"})
    assert not at.warning and len(charts(at)) == 2
