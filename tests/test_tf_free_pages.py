"""Pages that need no TensorFlow never import it (TF costs 2-3 s and ~650 MB on first import)."""
import pytest

from tests.apptest import tensorflow_imported_by
from dashboard.registry import BY_PATH

TF_PAGES = ("by_hand", "unrolling")  # at their defaults: the TF1 check, the graph sweep
TF_FREE_PAGES = [page for page in BY_PATH if page not in TF_PAGES]


@pytest.mark.parametrize("page", TF_FREE_PAGES)
def test_page_at_defaults_does_not_import_tensorflow(page):
    assert not tensorflow_imported_by(page)


def test_the_check_sees_an_import():
    """The unrolling page measures TF graphs, so the same check must see TensorFlow there."""
    assert tensorflow_imported_by("unrolling")
