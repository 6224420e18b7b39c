"""Recurrence Lab: the entry point. A frame around the pages of dashboard/registry.py (scripts in views/).

The folder is not named `pages`: a `pages/` folder beside the entry script switches on Streamlit's old
pages-directory mode, in which a fresh server's first link to a page runs that page without this frame.
"""
import logging
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # before any page imports TensorFlow
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import streamlit as st  # noqa: E402

from dashboard import equation, experiment, notices, phone, presenter, registry, serving  # noqa: E402
from dashboard.sections import class_follow  # noqa: E402

serving.configure()

st.set_page_config(page_title="Recurrence Lab", page_icon=":material/replay:", layout="wide")
page = st.navigation([registry.st_page(p.url_path) for p in registry.PAGES])
experiment.switch_if_asked()  # a page a class screen's fragment asked to open
presenter.presenter_style()
equation.display_style()
phone.phone_first(page.url_path)
try:
    notices.show_unknown_page()
    class_follow.banner(page.url_path)  # a student the instructor sent here: the banner and the way back
    page.run()
except Exception:  # a friendly message for the student, the detail in the server log
    logging.getLogger("recurrence_lab").exception("page %s failed", page.title)
    st.error(notices.FAILURE_MESSAGE)
