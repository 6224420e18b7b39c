"""The Overview's drawing of a cell rolled up and unrolled: one copy per step, the same Wx and Wy."""
import re

import pytest

from dashboard.cell_diagram import WX_COLOR, WY_COLOR, unrolled_cell_dot


@pytest.mark.parametrize("steps", [1, 3, 8])
def test_one_copy_of_the_cell_per_step(steps):
    dot = unrolled_cell_dot(steps)
    assert dot.startswith("digraph unrolled {") and dot.rstrip().endswith("}")
    assert sum(f'c{t} [label="cell\\nt = {t}"' in dot for t in range(steps)) == steps
    assert f"c{steps} " not in dot
    assert dot.count(f'label=" Wx", color="{WX_COLOR}"') == steps + 1       # every copy, and the rolled cell
    recurrent_edges = re.findall(f'(?<!font)color="{WY_COLOR}"', dot)
    assert len(recurrent_edges) == (steps - 1) + 2                          # step to step, the loop, Y(-1)
    assert dot.count("{") == dot.count("}")


@pytest.mark.parametrize("steps", [0, 9, 2.5, "3"])
def test_a_drawing_of_an_unreadable_size_is_refused(steps):
    with pytest.raises(ValueError, match="steps must be a whole number in 1..8"):
        unrolled_cell_dot(steps)
