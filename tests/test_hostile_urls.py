"""Hostile links: every page of dashboard/registry.py, opened through app.py with generated URL parameters,
still works.

For each page, hypothesis draws query strings from the declared settings (dashboard/settings.py SETTINGS),
the URL extras (preset, presenter, the by-hand table `x`) and unknown keys, with values such as NaN,
inf, 1e30, -1, empty, text, unicode, control characters, repeated keys and huge strings. Every case
must render with no exception and no failure message, and:
- a bad value (or a repeated one) for a setting the page uses gets a visible notice naming the key;
- an unknown key, or a setting of other pages only, gets a notice naming it;
- a good value for a setting the page uses is the widget's value (unless the page narrows the range).
The number of cases tried per page is recorded (`record_property`) and shown in the terminal summary.
"""
from __future__ import annotations

import functools
import math
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import inputs_table, presets
from dashboard.notices import code_text
from dashboard.registry import BY_PATH
from dashboard.settings import SETTINGS, URL_EXTRAS
from rnncore import init_weights, run_manual
from rnncore.config import MAX_ABS_INPUT
from tests.apptest import open_page

PAGES = tuple(BY_PATH)
CASES_PER_PAGE = 28  # 10 pages: 280 cases, as many as 7 pages of 40 took before
WIDGET_KINDS = ("slider", "selectbox", "toggle", "checkbox", "number_input", "radio", "select_slider",
                "text_area")

HOSTILE_VALUES = ("nan", "NaN", "inf", "-inf", "Infinity", "1e30", "-1e30", "1e-30", "-1", "-0", "",
                  " ", "abc", "None", "null", "true", "0x10", "1_000", "3.5", "2.0", " 3", "1,2", "[1]",
                  "ünïcødé", "🙂🙂", "\u202etxt", "\x00", "%00", "<b>bold</b>", "<script>x</script>",
                  "9" * 400, "1" + "0" * 40, "-" * 50)


def _key_value(key: str):
    """Values for one key: hostile ones, the setting's own good values and its edges, and random text."""
    good = []
    if key in SETTINGS:
        s = SETTINGS[key]
        if s.options:
            good = [str(o) for o in s.options]
        elif s.is_text:
            good = [s.default, "mississippi", "a\nb", "é🙂", "x" * s.max_chars, "x" * (s.max_chars + 1)]
        elif isinstance(s.default, bool):
            good = ["true", "false", "True"]
        else:
            good = [f"{v:g}" for v in (s.low, s.high, s.default, s.low - (s.step or 1), s.high + (s.step or 1))]
    elif key == "preset":
        good = list(presets.PRESETS)
    elif key == "presenter":
        good = ["1", "0", "true", "yes"]
    one = st.one_of(st.sampled_from(HOSTILE_VALUES + tuple(good)),
                    st.text(max_size=12),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-10**40, 10**40).map(str))
    if key == inputs_table.URL_KEY:
        one = st.one_of(one, _table_texts())
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))  # a list: the key repeated in the URL


def _table_texts():
    """The by-hand table `x`: the right count (24 for the defaults) or not, with bad entries mixed in."""
    entry = st.one_of(st.integers(-9, 9).map(str), st.sampled_from(("nan", "inf", "1e30", "", "x", "1e6")))
    huge = st.integers(10_000, 60_000).map(lambda n: ",".join(["1"] * n))
    return st.one_of(st.lists(entry, min_size=20, max_size=28).map(",".join), huge)


STREAMLIT_KEYS = ("embed", "embed_options")  # Streamlit's own query parameters, never the page's
UNKNOWN_KEYS = st.one_of(st.text(string.ascii_letters + string.digits + "_-.[]", min_size=1, max_size=12),
                         st.text(min_size=1, max_size=40)).filter(
    lambda k: k not in SETTINGS and k not in URL_EXTRAS and k not in STREAMLIT_KEYS)


def queries(page: str):
    """Query dicts of 1..4 keys: this page's settings most often, then other pages', extras, unknown keys."""
    own = sorted(page_keys(page)) or sorted(SETTINGS)
    keys = st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(sorted(SETTINGS)),
                     st.sampled_from(URL_EXTRAS), UNKNOWN_KEYS)
    return st.lists(keys, min_size=1, max_size=4, unique=True).flatmap(
        lambda ks: st.fixed_dictionaries({k: _key_value(k) for k in ks}))


def page_keys(page: str) -> frozenset:
    """The settings the page reads, as dashboard/settings.py declares them."""
    return frozenset(BY_PATH[page].keys)


@functools.cache
def drawn_keys(page: str) -> frozenset:
    """The settings whose widgets the page draws with its defaults."""
    return frozenset(_widgets(open_page(page)))


def _widgets(at) -> dict:
    return {w.key: w for kind in WIDGET_KINDS for w in getattr(at, kind) if w.key in SETTINGS}


def _bad(key: str, value) -> bool:
    if isinstance(value, list):
        return True
    try:
        SETTINGS[key].parse(value)
    except ValueError:
        return True
    return False


def check_case(page: str, query: dict) -> None:
    at = open_page(page, query)  # asserts no exception and no failure message
    notices = " ".join(w.value for w in at.warning) + " ".join(e.value for e in at.error)
    widgets = _widgets(at)
    preset_given = "preset" in query
    for key, value in query.items():
        if key not in SETTINGS and key not in URL_EXTRAS:
            assert f"`{code_text(key)}`" in notices, f"no notice for the unknown key {key!r} on {page}"
        elif key in SETTINGS and key not in page_keys(page):
            assert f"`{key}` is a setting of" in notices, f"no notice for {key!r}, not a setting of {page}"
        elif key in page_keys(page) and _bad(key, value):
            assert f"`{key}" in notices, f"no notice for {key}={value!r} on {page}: {notices!r}"
        elif key in widgets and not preset_given and not _bad(key, value):
            wanted, widget = SETTINGS[key].parse(value), widgets[key]
            narrowed = getattr(widget, "max", wanted) < wanted
            assert narrowed or widget.value == wanted or f"`{key}" in notices, (key, value, widget.value)
        elif key in ("preset", "presenter") and _bad_extra(key, value):
            assert f"`{key}" in notices, f"no notice for {key}={value!r} on {page}"
    if page == "by_hand" and isinstance(query.get(inputs_table.URL_KEY), str):
        shape = tuple(widgets[k].value if k in widgets else SETTINGS[k].default
                      for k in ("batch", "steps", "inputs"))
        try:
            inputs_table.decode(query[inputs_table.URL_KEY], shape)
        except ValueError:
            assert "input table in this link could not be used" in notices, notices


def _bad_extra(key: str, value) -> bool:
    allowed = tuple(presets.PRESETS) if key == "preset" else presets.PRESENTER_ON + presets.PRESENTER_OFF
    return isinstance(value, list) or value not in allowed


@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_render_with_a_notice(page, record_property):
    # a link the page writes itself (every widget's key) must not read as another page's
    assert drawn_keys(page) <= page_keys(page), f"{page} draws settings it does not declare"
    tried = []

    @settings(max_examples=CASES_PER_PAGE, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(query=queries(page))
    def case(query):
        tried.append(query)
        check_case(page, query)

    case()
    record_property("tried", f"{len(tried)} hostile links on {page}")
    assert len(tried) >= CASES_PER_PAGE // 2


CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**40, 10**40),
                  st.sampled_from(HOSTILE_VALUES), st.text(max_size=8), st.none())


def _plain_number(value) -> bool:
    """A cell a student may type that needs no fixing: a finite number within rnncore's input limit."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and abs(value) <= MAX_ABS_INPUT)


def _needs_fixing(value) -> bool:
    if value is None or isinstance(value, (int, float)):
        return not _plain_number(value)
    try:
        return not _plain_number(float(value))
    except ValueError:
        return True


def check_table(shape: tuple, edits: list) -> None:
    """Type `edits` [(row, column, value)] into the by-hand table of `shape`; clean it and run rnncore."""
    batch, steps, inputs = shape
    table = inputs_table.to_table(np.ones(shape, np.float32)).astype(object)
    for row, column, value in edits:
        table.loc[row, inputs_table.input_column(column)] = value
    X, notes = inputs_table.clean(table, shape)
    assert X.shape == shape and X.dtype == np.float32
    assert np.all(np.isfinite(X)) and np.abs(X).max() <= MAX_ABS_INPUT
    final = {(row, column): value for row, column, value in edits}  # the last edit of a cell wins
    for (row, column), value in final.items():
        t, example = divmod(row, batch)
        if _plain_number(value):
            assert X[example, t, column] == np.float32(value), (value, X[example, t, column])
    if any(_needs_fixing(value) for value in final.values()):
        assert notes, f"no note for {list(final.values())!r}"
    result = run_manual(X, init_weights(inputs, 5, seed=0))
    assert np.all(np.isfinite(result.outputs))


def test_hostile_table_cells_are_cleaned_and_run(record_property):
    """The by-hand page's editable table: whatever is typed into its cells, `clean` returns finite X of the
    right shape within rnncore's limit, keeps plain numbers, says what it fixed, and rnncore runs on it."""
    tried = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(shape=st.tuples(st.integers(1, 8), st.integers(1, 20), st.integers(1, 8)), data=st.data())
    def case(shape, data):
        batch, steps, inputs = shape
        edits = data.draw(st.lists(st.tuples(st.integers(0, batch * steps - 1), st.integers(0, inputs - 1),
                                             CELLS), max_size=8))
        tried.append(edits)
        check_table(shape, edits)

    case()
    record_property("tried", f"{len(tried)} edited tables")
    assert len(tried) >= 75
