"""The registry of pages (dashboard/registry.py): one row per script, every setting on a page of it, and every
page link made from it by url_path, never from a file path."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard import registry
from dashboard.registry import BY_PATH, PAGES
from dashboard.settings import SETTINGS, URL_EXTRAS
from rnncore.lesson.questions import QUESTIONS

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"


def test_one_row_per_script_in_views_and_one_default():
    scripts = sorted(f"views/{path.name}" for path in (DASHBOARD / "views").glob("*.py"))
    assert sorted(page.script for page in PAGES) == scripts
    assert len(BY_PATH) == len(PAGES) and [page for page in PAGES if page.default] == [registry.DEFAULT]
    assert all(page.title and page.icon for page in PAGES)
    assert all(page.what and set(page.objectives) <= {1, 2, 3} for page in PAGES if not page.default)


def test_every_setting_is_read_by_pages_of_the_registry():
    for key, setting in SETTINGS.items():
        assert setting.pages and set(setting.pages) <= set(BY_PATH), key
    assert not set(URL_EXTRAS) & set(SETTINGS)


def test_a_pages_keys_are_the_settings_that_name_it_in_declaration_order():
    assert BY_PATH["overview"].keys == () and BY_PATH["class"].keys == ()
    assert BY_PATH["keras_lab"].keys == tuple(key for key in SETTINGS if key.startswith("lab_"))
    assert "lab_k" in BY_PATH["gated"].keys and "lab_seed" not in BY_PATH["gated"].keys
    layer = ("seed", "inputs", "neurons", "steps", "batch", "scale", "activation")
    assert BY_PATH["lengths"].keys == (*layer, *(f"len{i}" for i in range(8)))
    assert BY_PATH["bptt"].keys[:len(layer)] == layer and "weights" in BY_PATH["bptt"].keys


@pytest.mark.parametrize("question", QUESTIONS.values(), ids=lambda q: q.id)
def test_a_questions_experiment_link_carries_only_its_pages_settings(question):
    assert question.page in BY_PATH
    assert set(question.query) <= set(BY_PATH[question.page].keys) | set(URL_EXTRAS)


def test_titles_read_in_the_navigations_order():
    assert registry.titles(("gated", "keras_lab")) == "Keras lab and Gated cells"
    assert registry.titles(("memory",)) == "Memory and state"


def _calls(path: Path, *names: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in names]


def _names_file(path: Path) -> bool:
    return any(isinstance(node, ast.Name) and node.id == "__file__" for node in ast.walk(ast.parse(path.read_text())))


def test_every_page_link_is_made_from_the_registry_by_url_path():
    """A link built from a module's `__file__` names the views of whichever checkout `dashboard` was imported
    from; the registry's `st.Page` is found from the running entry script and known by its url_path."""
    modules = sorted(DASHBOARD.rglob("*.py"))
    streamlit_links = {path.name: call for path in modules for call in _calls(path, "page_link", "switch_page")
                       if not (isinstance(call.func.value, ast.Name) and call.func.value.id == "experiment")}
    assert list(streamlit_links) == ["experiment.py"]  # the one link builder
    made_from = streamlit_links["experiment.py"].args[0]
    assert ast.unparse(made_from.func) == "registry.st_page"
    assert [path.name for path in modules if _calls(path, "Page")] == ["registry.py"]
    assert not _names_file(DASHBOARD / "experiment.py") and not _names_file(DASHBOARD / "registry.py")
    links = [call for path in modules for call in _calls(path, "page_link")
             if isinstance(call.func.value, ast.Name) and call.func.value.id == "experiment"]
    assert len(links) >= 5  # the overview's map and presets, the predict and class links, the gated/Keras pair
    for call in links:
        page = call.args[0]
        assert not isinstance(page, ast.Constant) or page.value in BY_PATH, ast.unparse(call)
