"""Recurrence Lab: the entry point. A frame around the pages; each page lives in dashboard/views/.

The folder is not named `pages`: a `pages/` folder beside the entry script switches on Streamlit's old
pages-directory mode, in which a fresh server's first link to a page runs that page without this frame.
"""
import logging
import os
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before any page imports TensorFlow
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import streamlit as st  # noqa: E402

from dashboard import equation, notices, presenter, serving  # noqa: E402

serving.configure()

PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="Recurrence Lab", page_icon=":material/replay:", layout="wide")
page = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page(PAGES / "by_hand.py", title="Recurrence by hand", icon=":material/edit_note:", url_path="by_hand"),
    st.Page(PAGES / "unrolling.py", title="Static vs dynamic", icon=":material/account_tree:", url_path="unrolling"),
    st.Page(PAGES / "lengths.py", title="Sequence lengths", icon=":material/straighten:", url_path="lengths"),
    st.Page(PAGES / "memory.py", title="Memory and state", icon=":material/memory:", url_path="memory"),
    st.Page(PAGES / "keras_lab.py", title="Keras lab", icon=":material/science:", url_path="keras_lab"),
    st.Page(PAGES / "gated.py", title="Gated cells", icon=":material/tune:", url_path="gated"),
    st.Page(PAGES / "bptt.py", title="Backpropagation through time", icon=":material/undo:", url_path="bptt"),
    st.Page(PAGES / "text_lab.py", title="Text lab", icon=":material/text_fields:", url_path="text_lab"),
    st.Page(PAGES / "class.py", title="Class session", icon=":material/groups:"),
])
presenter.presenter_style()
equation.display_style()
try:
    page.run()
except Exception:  # a friendly message for the student, the detail in the server log
    logging.getLogger("recurrence_lab").exception("page %s failed", page.title)
    st.error(notices.FAILURE_MESSAGE)
