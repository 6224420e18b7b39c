"""A control inside an `st.fragment` reruns that fragment only: the page's other sections do no work and
send nothing (issue 19). AppTest always reruns the whole script, so `fragment_rerun` asks Streamlit's
script runner for a fragment-only run, as the browser does when a widget of a fragment changes (its
rerun names the fragment's id; the ids are those this AppTest's runs registered)."""
from __future__ import annotations

import functools
from unittest import mock

import numpy as np
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import local_script_runner

from tests.apptest import assert_clean, open_page
from dashboard import inputs_table
from dashboard.sections import by_hand, memory
from rnncore import memory as memory_core


def fragment_id(at, function) -> str:
    """The id under which this AppTest's runs registered the fragment made from `function` (or from the
    function of that name, for a fragment a page script defines on each run)."""
    def made_from(cell) -> bool:
        made = getattr(cell.cell_contents, "__wrapped__", cell.cell_contents)
        return made is function or (isinstance(function, str) and getattr(made, "__name__", None) == function)
    for key, wrapped in at._fragment_storage._fragments.items():
        if any(made_from(cell) for cell in wrapped.__closure__ or ()):
            return key
    raise AssertionError(f"no fragment of {getattr(function, '__name__', function)} on this page")


def fragment_rerun(at, function) -> None:
    """Rerun only the fragment made from `function`, with the widget values set on `at` since its last run."""
    rerun = functools.partial(RerunData, fragment_id=fragment_id(at, function))
    with mock.patch.object(local_script_runner, "RerunData", rerun):
        at.run()


class Calls:
    """Counts the calls of module attributes, still calling them."""

    def __init__(self, module, *names):
        self.count = dict.fromkeys(names, 0)
        self.patches = [mock.patch.object(module, name, self._counted(name, getattr(module, name))) for name in names]

    def _counted(self, name, real):
        def counted(*args, **kwargs):
            self.count[name] += 1
            return real(*args, **kwargs)
        return counted

    def __enter__(self):
        for patch in self.patches:
            patch.start()
        return self.count

    def __exit__(self, *exc):
        for patch in self.patches:
            patch.stop()


def test_the_memory_history_slider_reruns_its_section_only():
    at = open_page("memory")
    radius = at.slider(key="mem_radius").value
    with Calls(memory, "state_norms", "eigenvalues", "history") as calls:
        at.slider(key="mem_history").set_value(12)
        fragment_rerun(at, memory.history_section.__wrapped__)
        assert_clean(at)
        assert calls == {"state_norms": 0, "eigenvalues": 0, "history": 1}
        # What the run sent: its own chart and number, nothing of the sections above it.
        assert [m.label for m in at.metric] == ["‖Y_quiet[T] − Y_busy[T]‖"]
        assert len(at.get("vega_lite_chart")) == 1 and [s.key for s in at.slider] == ["mem_history"] and not at.selectbox
        w = memory_core.memory_weights(5, 42, radius, "tanh")
        example = memory_core.history_example(w, 12, at.session_state["mem_amplitude"], 42)
        assert at.metric[0].value == f"{example.difference:.4g}"
        at.run()  # a full rerun, for comparison: every section works again
        assert calls["state_norms"] == 1 and calls["eigenvalues"] == 1 and calls["history"] == 2


def test_opening_the_tf1_tables_reruns_the_tf1_section_only():
    at = open_page("by_hand")
    assert not [d for d in at.dataframe if d.editing_mode == "read_only"]  # closed: the tables are not drawn
    with Calls(by_hand, "what_if_section", "equation_section", "take_away_section") as calls, \
            Calls(inputs_table, "editor") as editor:
        at.session_state[by_hand.TABLES] = True
        fragment_rerun(at, by_hand.tf1_section.__wrapped__)
        assert_clean(at)
        assert calls == {"what_if_section": 0, "equation_section": 0, "take_away_section": 0}
        assert editor == {"editor": 0}
        numpy_table, tf1_table = (d.value for d in at.dataframe if d.editing_mode == "read_only")
        np.testing.assert_allclose(numpy_table, tf1_table, atol=1e-5)
        assert not at.get("vega_lite_chart")  # the charts above were not sent again


def test_the_by_hand_seed_reruns_the_run_and_leaves_the_input_table_alone():
    """The seed is a setting of the run, not of the table's shape: its move reruns sections 2 to 7 (the
    page's `the_run`), and those show what a full run shows for the same settings."""
    at = open_page("by_hand", {"steps": "4"})
    at.slider(key="seed").set_value(7)
    with Calls(inputs_table, "editor") as editor:
        fragment_rerun(at, "the_run")
        assert_clean(at)
        assert editor == {"editor": 0}
    assert not at.title and not [d for d in at.dataframe if d.editing_mode != "read_only"]  # the frame and the table stay
    assert {s.key for s in at.slider if s.key in by_hand.LAYER_KEYS} == {"neurons", "seed", "scale"}  # not steps, inputs, batch
    fragment = ([m.value for m in at.markdown], [c.proto.spec for c in at.get("vega_lite_chart")],
                [m.value for m in at.metric], [l.value for l in at.latex])
    assert len(fragment[1]) == 3 and fragment[2] and fragment[3]
    at.run()  # the same settings in a full run: the same sections, the same numbers
    assert at.slider(key="seed").value == 7 and at.title
    full = ([m.value for m in at.markdown], [c.proto.spec for c in at.get("vega_lite_chart")],
            [m.value for m in at.metric], [l.value for l in at.latex])
    assert [m for m in full[0] if m in fragment[0]] == fragment[0]
    assert full[1:] == fragment[1:]
