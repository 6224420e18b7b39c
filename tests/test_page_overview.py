"""The Overview page through AppTest: objectives, the unrolled-cell drawing, a link to every page, no TensorFlow."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.apptest import open_page
from dashboard.registry import PAGES

ROOT = Path(__file__).resolve().parents[1]


def test_overview_states_the_lessons_three_objectives():
    at = open_page("overview")
    text = " ".join(m.value for m in at.markdown)
    for objective in ("What recurrence is", "Why recurrence creates memory and state",
                      "How to implement a recurrent network in TensorFlow"):
        assert objective in text


def test_overview_draws_a_cell_unrolled_through_time():
    at = open_page("overview")
    [drawing] = at.get("graphviz_chart")
    dot = drawing.proto.spec
    assert dot.startswith("digraph")
    for node in ("X(0)", "X(1)", "X(2)", "Y(2)", "Y(-1) = 0"):
        assert node in dot
    assert dot.count("Y(0) · Wy") == 1 and dot.count("Y(1) · Wy") == 1  # the recurrence, step to step


def test_overview_links_every_page_under_its_title_in_the_navigation():
    at = open_page("overview")
    links = {link.proto.page: link.proto.label for link in at.get("page_link") if not link.proto.query_string}
    others = [page for page in PAGES if not page.default]
    assert links == {page.url_path: page.title for page in others}
    texts = " ".join(m.value for m in at.markdown)
    assert all(page.what in texts for page in others)


def test_overview_warns_about_an_unknown_url_setting():
    at = open_page("overview", {"nonsense": "1"})
    assert any("`nonsense` is not a setting" in w.value for w in at.warning)


def test_overview_never_imports_tensorflow():
    script = ("import sys\nimport conftest\nfrom apptest import open_page\n"
              "open_page('overview')\nprint('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT / "tests", capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_overview_links_every_preset_with_its_page_and_point():
    from dashboard.presets import PRESETS

    at = open_page("overview")
    links = {link.proto.label: (link.proto.page, link.proto.query_string) for link in at.get("page_link")}
    texts = " ".join(m.value for m in at.markdown)
    for preset in PRESETS.values():
        assert links[preset.title] == (preset.page, f"preset={preset.name}")
        assert preset.point in texts and f"`{preset.link}`" in texts
