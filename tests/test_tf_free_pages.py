"""Pages that need no TensorFlow never import it (TF costs 2-3 s and ~650 MB on first import)."""
import pytest

from tests.apptest import tensorflow_imported_by

TF_FREE_PAGES = ["overview", "lengths", "memory", "keras_lab", "gated", "bptt", "text_lab"]


@pytest.mark.parametrize("page", TF_FREE_PAGES)
def test_page_at_defaults_does_not_import_tensorflow(page):
    assert not tensorflow_imported_by(page)


def test_the_check_sees_an_import():
    """The unrolling page measures TF graphs, so the same check must see TensorFlow there."""
    assert tensorflow_imported_by("unrolling")
