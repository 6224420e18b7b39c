"""The entry point: every page runs inside app.py, whose catch-all turns a failure into a friendly message."""
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import APP
from dashboard import notices
from dashboard.notices import FAILURE_MESSAGE
from dashboard.registry import PAGES


def _broken(*args, **kwargs):
    raise RuntimeError("simulated failure deep inside a page")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.url_path)
def test_a_failing_page_shows_the_friendly_message_not_a_traceback(page, monkeypatch, caplog):
    monkeypatch.setattr(notices, "show_url_notices", _broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page.script).run()
    assert not at.exception
    assert [e.value for e in at.error] == [FAILURE_MESSAGE]
    assert "simulated failure deep inside a page" in caplog.text  # the detail goes to the server log
