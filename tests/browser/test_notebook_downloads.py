"""Each experiment's "Download as a Jupyter notebook" in headless Chromium against a live server: the click
gives an .ipynb file that is a valid nbformat v4 notebook holding the page's numbers; the overview gives
the lesson's hello-world notebook. (tests/test_notebooks.py runs the notebooks in a kernel.)

The text lab is left out here: its button appears only after a training run, and tests/test_notebooks.py
downloads and runs its notebook through AppTest.
"""
from __future__ import annotations

import nbformat
import pytest

from rnncore.lesson import hello_world, notebooks

pytestmark = pytest.mark.browser

LABEL = "Download as a Jupyter notebook"
# page -> a small setting in its link, so the notebook is quick to make on a busy machine
PAGES = {"by_hand": "steps=3", "unrolling": "unr_max_steps=8", "lengths": "steps=4", "memory": "mem_steps=12",
         "gated": "gate_steps=6", "bptt": "steps=4", "keras_lab": "lab_examples=40&lab_lstm=false&lab_gru=false"}


def download(page, label: str) -> tuple[str, bytes]:
    """Click the download button labelled `label`; the file's suggested name and its bytes."""
    button = page.locator("[data-testid='stDownloadButton']").filter(has_text=label)
    with page.expect_download() as info:
        button.first.click()
    done = info.value
    with open(done.path(), "rb") as file:
        return done.suggested_filename, file.read()


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_notebook_downloads_as_a_valid_notebook(app, page, name):
    app.open(page, name, PAGES[name])
    app.assert_clean(page)
    file_name, payload = download(page, LABEL)
    assert file_name == f"recurrence-lab_{name}_notebook.ipynb"
    built = nbformat.reads(payload.decode(), as_version=4)
    nbformat.validate(built)
    sources = [cell.source for cell in built.cells]
    assert any("page_" in source and "np.array(" in source for source in sources), "the page's numbers are missing"
    assert sources[-1] == notebooks.SUMMARY and any(notebooks.SETUP == source for source in sources)
    app.assert_clean(page)


def test_the_overview_offers_the_lessons_hello_world(app, page):
    app.open(page, "")
    file_name, payload = download(page, "Download the lab (.ipynb)")
    assert file_name == hello_world.HELLO_WORLD_FILE.name
    assert payload == hello_world.HELLO_WORLD_FILE.read_bytes()
    nbformat.validate(nbformat.reads(payload.decode(), as_version=4))
