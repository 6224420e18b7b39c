"""Called first by every page: the page runs inside app.py's navigation, with the repo on sys.path.

Streamlit notices the folder dashboard/pages/ and, on a fresh server, runs a page file directly
(its old "pages directory" mode) when a session's first request is a page link such as
/lengths?len1=2, skipping app.py. (AppTest starts every run in that mode too.) This module is
importable in both modes, since Streamlit puts the entry script's folder, dashboard/, on sys.path.
Importing it puts the repo root on sys.path; `inside_app()` switches Streamlit to app.py's
`st.navigation` and reruns, so the link opens the same page with the same settings, inside the app.
"""
import sys
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def inside_app() -> None:
    """Rerun through app.py if Streamlit ran this page on its own."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # app.py calls st.navigation: the pages-folder mode is never wanted
        st.rerun()
