"""Presets: their declarations, how a link applies them, and the presenter view (small AppTest scripts)."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import presets
from dashboard.presets import PRESETS
from dashboard.registry import BY_PATH
from dashboard.settings import SETTINGS


def test_every_preset_sets_declared_settings_to_allowed_values():
    assert presets.check() == []


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_names_a_page_and_the_controls_of_its_point(name):
    preset = PRESETS[name]
    assert preset.page in BY_PATH and set(preset.settings) <= set(BY_PATH[preset.page].keys)
    assert preset.controls and set(preset.controls) <= set(SETTINGS)
    assert preset.link == f"{preset.page}?preset={name}"


def test_the_presets_the_issue_asks_for():
    assert {"lesson", "book", "long", "fading", "exploding", "ragged"} <= set(PRESETS)
    lesson = PRESETS["lesson"].settings
    assert (lesson["inputs"], lesson["neurons"], lesson["steps"], lesson["batch"], lesson["seed"]) == (3, 5, 2, 4, 42)
    assert PRESETS["book"].settings["weights"] == "book"
    assert PRESETS["long"].settings["unr_max_steps"] == 50
    assert PRESETS["fading"].settings["mem_radius"] < 1 < PRESETS["exploding"].settings["mem_radius"]
    ragged = PRESETS["ragged"].settings
    assert len({ragged[f"len{i}"] for i in range(ragged["batch"])}) == ragged["batch"]  # all lengths differ


def _controls_script():
    import streamlit as st

    from dashboard import controls, notices, presenter, presets

    for notice in notices.url_notices(("steps", "len1", "weights", "seed")):
        st.warning(notice)
    steps, length, weights, seed = (controls.slider("steps"), controls.slider("len1"),
                                    controls.select("weights"), controls.slider("seed"))
    st.text(f"steps={steps} len1={length} weights={weights} seed={seed}")
    st.text(f"shown seed={presenter.shown('seed')} steps={presenter.shown('steps')} "
            f"presenter={presenter.presenter()} preset={st.query_params.get('preset')}")


def _open(query: dict) -> AppTest:
    at = AppTest.from_function(_controls_script, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _values(at: AppTest) -> str:
    return at.text[0].value


def test_a_preset_sets_the_starting_values():
    assert _values(_open({"preset": "ragged"})) == "steps=6 len1=3 weights=seeded seed=42"
    assert _values(_open({"preset": "book"})) == "steps=2 len1=1 weights=book seed=42"
    assert _values(_open({})) == "steps=2 len1=1 weights=seeded seed=42"


def test_a_value_in_the_link_overrides_the_preset():
    assert _values(_open({"preset": "ragged", "steps": "4", "seed": "7"})) == "steps=4 len1=3 weights=seeded seed=7"


def test_the_preset_is_applied_once_then_the_student_moves_the_controls():
    at = _open({"preset": "ragged"})
    at.slider(key="steps").set_value(9).run()
    at.slider(key="len1").set_value(2).run()
    assert _values(at) == "steps=9 len1=2 weights=seeded seed=42"


def test_a_page_switch_keeps_the_preset_and_the_presenter_view_in_the_link():
    at = _open({"preset": "ragged", "presenter": "1"})
    at.slider(key="steps").set_value(9).run()
    del at.query_params["preset"], at.query_params["presenter"]  # what a page switch does to unbound keys
    at.run()
    assert "presenter=True preset=ragged" in at.text[1].value
    assert _values(at) == "steps=9 len1=3 weights=seeded seed=42"


@pytest.mark.parametrize("query,notice", [
    ({"preset": "nonsense"}, "`preset=nonsense` is not a preset of Recurrence Lab"),
    ({"preset": ["lesson", "book"]}, "`preset` was given 2 times"),
    ({"presenter": "maybe"}, "`presenter=maybe` must be 1 or 0"),
    ({"preset": "x" * 500}, "`preset=xxxxxxxxxxxxxxxxxxxx…` is not a preset"),
])
def test_a_preset_or_presenter_value_that_cannot_be_used_gives_a_notice_and_the_defaults(query, notice):
    at = _open(query)
    assert any(notice in w.value for w in at.warning), [w.value for w in at.warning]
    assert _values(at) == "steps=2 len1=1 weights=seeded seed=42"


def test_a_bad_setting_under_a_preset_falls_back_to_the_preset_value():
    at = _open({"preset": "book", "weights": "nonsense"})
    assert any("`weights=nonsense`" in w.value and "'book'" in w.value for w in at.warning)
    assert _values(at) == "steps=2 len1=1 weights=book seed=42"


def test_a_known_preset_gives_no_notice():
    assert not _open({"preset": "lesson", "presenter": "1"}).warning


@pytest.mark.parametrize("query,seed_shown,steps_shown", [
    ({"preset": "ragged", "presenter": "1"}, False, True),  # the ragged batch needs steps, not the seed
    ({"preset": "ragged"}, True, True),                     # no presenter view: every control
    ({"presenter": "1"}, True, True),                       # no preset: every control
])
def test_shown_keeps_only_the_presets_controls_in_the_presenter_view(query, seed_shown, steps_shown):
    assert f"shown seed={seed_shown} steps={steps_shown}" in _open(query).text[1].value


def _places_script():
    import streamlit as st

    from dashboard import controls, presenter

    keys = ("steps", "seed", "neurons")
    where = presenter.places(keys, st.sidebar)
    st.text(" ".join(str(controls.slider(key, where[key])) for key in keys))


def test_places_puts_the_hidden_controls_in_a_more_settings_expander():
    at = AppTest.from_function(_places_script, default_timeout=30)
    at.query_params["preset"], at.query_params["presenter"] = "lesson", "1"
    at.run()
    assert not at.exception
    assert [e.label for e in at.sidebar.expander] == ["More settings"]
    assert [s.key for s in at.sidebar.expander[0].slider] == ["neurons"]  # the lesson's point: steps, seed
    assert at.text[0].value == "2 42 5"
