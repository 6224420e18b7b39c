"""A run's weights from the page's settings, and the panels that let a student take a run away.

- `weights_from_settings(settings)`: seeded weights or the book's (the `weights` setting), the one
  place that decides, so every page that honours the "book" preset does it the same way;
  `layer_weights(settings)` adds a warning and seeded weights when the book's do not fit.
- `export_panel(run, page)`: downloads (CSV, NPZ, JSON) and "Reproduce in a notebook" code.
- `notebook_download(page, make)`: "Download as a Jupyter notebook", the .ipynb `make()` builds
  (rnncore.lesson.notebooks), made when clicked; every experiment page calls it once.
- `chart_download(chart, page, name)`: buttons that save a chart as SVG or PNG (made on the server).
- `share_link()`: the link to this exact experiment, to copy.
- `page_link(url_path)`: a link to another page, by its url_path in dashboard/registry.py.
"""
from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from dashboard import exports, registry
from dashboard.exports import Run  # noqa: F401  (pages build a Run for export_panel)
from dashboard.settings import SETTINGS, URL_EXTRAS
from rnncore.config import RNNWeights, init_weights
from rnncore.lesson import notebooks
from rnncore.lesson.book import book_weights

BOOK = "book"
BOOK_SHAPE = (3, 5)  # (inputs, neurons) of the book's weights
STYLES = {"tf1": "TensorFlow 1 style (the lesson's)", "keras": "Keras 3 (TensorFlow 2)"}


def weights_from_settings(settings: dict) -> RNNWeights:
    """The layer's weights for settings holding inputs, neurons, seed, scale, activation (and `weights`).

    "seeded" (the default): `init_weights(inputs, neurons, seed, scale, activation)`.
    "book": the book's Wx, Wy (zero b) times `scale`, with `activation`; the seed is not used, and
    inputs and neurons must be 3 and 5 (ValueError otherwise).
    """
    scale, activation = settings["scale"], settings["activation"]
    if settings.get("weights", SETTINGS["weights"].default) != BOOK:
        return init_weights(settings["inputs"], settings["neurons"], settings["seed"], scale, activation)
    if (settings["inputs"], settings["neurons"]) != BOOK_SHAPE:
        raise ValueError(f"the book's weights are for {BOOK_SHAPE[0]} inputs and {BOOK_SHAPE[1]} neurons, "
                         f"not {settings['inputs']} and {settings['neurons']}")
    book = book_weights()
    return RNNWeights(book.Wx * np.float32(scale), book.Wy * np.float32(scale), book.b, activation)


def layer_weights(settings: dict, where=st) -> RNNWeights:
    """`weights_from_settings`, or, when the book's weights do not fit, a warning and seeded weights."""
    try:
        return weights_from_settings(settings)
    except ValueError as reason:
        where.warning(f"Seeded weights are used instead: {reason}. Set Inputs to 3 and Neurons to 5 "
                      "for the book's.", icon=":material/menu_book:")
        return weights_from_settings(settings | {"weights": "seeded"})


def origin(settings: dict) -> str:
    """Where the weights came from, in words, for file headers and notebook code."""
    scale = f", times scale {settings['scale']:g}" if settings["scale"] != 1 else ""
    if settings.get("weights") == BOOK and (settings["inputs"], settings["neurons"]) == BOOK_SHAPE:
        return f"the book's weights (Hands-On ML, 1st ed., ch. 14, manual RNN){scale}"
    return f"Recurrence Lab's init_weights, seed {settings['seed']}, scale {settings['scale']:g}"


def take_away_key(page: str) -> str:
    """The key of a page's take-away expander (Session State says whether it is open)."""
    return f"{page}_take_away"


def export_panel(run: Run, page: str, where=st) -> None:
    """Downloads of the run and notebook code that reproduces it, in a collapsed expander whose content
    is made only while it is open (on_change="rerun"): the notebook code is generated, and the buttons
    drawn, for the students who ask, not on every slider move."""
    box = where.expander("Take this run with you: files and notebook code", icon=":material/download:",
                         key=take_away_key(page), on_change="rerun")
    if not box.open:
        return
    with box:
        st.markdown("**Download** the numbers of this run. The CSV files are tidy (one value per row, "
                    "its indices in columns); the NPZ holds every array for `np.load`; the JSON holds "
                    "everything, settings included.")
        columns = st.columns(len(exports.CSV_TABLES) + 2)
        for column, what in zip(columns, exports.CSV_TABLES):
            _download(column, f"{what.capitalize()} (CSV)", partial(exports.csv_bytes, run, what), page, what, "csv")
        _download(columns[-2], "All (NPZ)", partial(exports.npz_bytes, run), page, "run", "npz")
        _download(columns[-1], "All (JSON)", partial(exports.json_bytes, run), page, "run", "json")
        st.markdown("**Reproduce in a notebook**: this code builds the same network with the exact "
                    "weights and inputs of this run and prints the same outputs and state (the copy "
                    "button is at the top right of the code).")
        for tab, style in zip(st.tabs(list(STYLES.values())), STYLES):
            with tab:
                st.code(exports.notebook(run, style), language="python")
        st.caption("Charts: the *Save chart as SVG* and *Save chart as PNG* buttons under a page's main "
                   "chart save it as an image; for any other chart, hover it and use **Download as PNG** "
                   "in its toolbar.")


def _download(where, label: str, data, page: str, what: str, extension: str) -> None:
    # `data` is a callable: the bytes are made only when the student clicks, not on every rerun.
    where.download_button(label, data, file_name=exports.file_name(page, what, extension),
                          mime=exports.MIME[extension], key=f"download_{page}_{what}_{extension}",
                          on_click="ignore")


def notebook_download(page: str, make, where=st) -> None:
    """The page's run as a Jupyter notebook: `make()` returns the notebook (rnncore.lesson.notebooks), called
    only when the student clicks, so a page that is merely looked at builds none (and imports no TensorFlow)."""
    with where.container():
        st.download_button("Download as a Jupyter notebook", lambda: notebooks.to_bytes(make()), type="primary",
                           file_name=exports.file_name(page, "notebook", "ipynb"), mime=exports.MIME["ipynb"],
                           key=f"notebook_{page}", on_click="ignore", icon=":material/menu_book:")
        st.caption("The run's exact inputs and weights in the lesson's TensorFlow 1 style and in Keras 3, with "
                   "the numbers this page showed printed beside the ones the notebook computes (each check "
                   f"stops the notebook if they differ by more than {notebooks.AGREEMENT:g}). Open it in "
                   "Jupyter and choose *Run All*.")


def chart_download(chart, page: str, name: str, where=st) -> None:
    """Two small buttons under a chart (Altair, or a spec from chart_cache): save it as SVG or as PNG.
    The image is drawn on the server when the button is clicked, not on every rerun."""
    row = where.container(horizontal=True, gap="small")
    for extension, label, make in (("svg", "Save chart as SVG", exports.chart_svg),
                                   ("png", "Save chart as PNG", exports.chart_png)):
        row.download_button(label, partial(make, chart), file_name=exports.file_name(page, name, extension),
                            mime=exports.MIME[extension], key=f"chart_{page}_{name}_{extension}",
                            on_click="ignore", type="tertiary", icon=":material/image:")


def share_query() -> list[tuple[str, str]]:
    """This experiment's URL parameters: every setting and extra given once, unknown keys left out."""
    return [(key, st.query_params[key]) for key in st.query_params
            if (key in SETTINGS or key in URL_EXTRAS) and len(st.query_params.get_all(key)) == 1]


def share_url() -> str:
    """The page's address with its settings; only the query (`?...`) where the address is unknown."""
    query = share_query()
    return (st.context.url or "") + ("?" + urlencode(query) if query else "")


def share_link(where=st) -> None:
    """The link to this experiment, to copy. Call it after the page's controls, so it holds their values."""
    with where.container():
        st.markdown("**Share this experiment**: whoever opens this link sees these settings and these numbers.")
        st.code(share_url() or "(the page's defaults: no settings in the link)", language=None, wrap_lines=True)
        st.caption("The address bar holds the same link: every control writes its value there. "
                   "Settings left at their defaults are not written.")


def page_link(url_path: str, where=st, label: str | None = None, query_params: dict | None = None,
              icon: str | None = None) -> None:
    """A link to the page at `url_path` (its title and icon unless given), optionally with settings.

    Made from the registry's `st.Page`, whose identity is the url_path: never a file path built from a
    module's `__file__`, which names another checkout's views when `dashboard` is imported from there."""
    where.page_link(registry.st_page(url_path), label=label, query_params=query_params, icon=icon)


SWITCH = "_lab_switch"  # Session State: (url_path, query) a fragment asked to open, opened by the next full run


def switch_page(url_path: str, query_params: dict | None = None):
    """Open the page at `url_path` now, with `query_params` (a class sent to an experiment, and back).

    Called from the class screens' polling fragments. A page switched to from inside a fragment run
    sometimes showed in the browser only what app.py draws before the page, so the fragment asks for a
    full rerun, and that run (`switch_if_asked`, first in app.py) switches.
    Made from the registry's `st.Page`, as `page_link` is."""
    st.session_state[SWITCH] = (url_path, dict(query_params or {}))
    st.rerun(scope="app")


def switch_if_asked() -> None:
    """In app.py, before any page: open the page a fragment asked for (see `switch_page`).

    The old page's fragments are forgotten first. The browser keeps asking for the polling fragment's run
    until the new page reaches it; a request that came during the new page's run used to wait and run after
    it, with the old page's name and address, and left the tab showing only the banner. The server drops a
    request for a fragment it does not know ("does not exist anymore", in its log)."""
    asked = st.session_state.pop(SWITCH, None)
    if asked:
        ctx = get_script_run_ctx(suppress_warning=True)
        if ctx is not None:
            ctx.fragment_storage.clear()
        st.switch_page(registry.st_page(asked[0]), query_params=asked[1])
