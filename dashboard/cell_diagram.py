"""A drawing of a recurrent cell, rolled up and unrolled through time, as Graphviz DOT text.

Pure text, no Graphviz install needed: `st.graphviz_chart` lays it out in the browser. The same
colours as the charts: input edges (`Wx`) and recurrent edges (`Wy`) keep one colour each at every
step, because they are the same weights at every step.
"""
from __future__ import annotations

WX_COLOR = "#4c78a8"   # input -> cell
WY_COLOR = "#e45756"   # previous output -> cell: the recurrence
OUT_COLOR = "#54a24b"  # cell -> output


def unrolled_cell_dot(steps: int = 3) -> str:
    """The cell with its loop (left), '=', and the same cell copied once per time step (right)."""
    if not isinstance(steps, int) or not 1 <= steps <= 8:
        raise ValueError(f"steps must be a whole number in 1..8 for a readable drawing, got {steps!r}")
    lines = [
        "digraph unrolled {",
        '  rankdir=BT; nodesep=0.3; ranksep=0.4; bgcolor="transparent"; newrank=true;',
        '  node [fontname="Helvetica", fontsize=16]; edge [fontname="Helvetica", fontsize=14];',
        '  subgraph cluster_rolled { label="rolled up"; color="#bbbbbb"; fontname="Helvetica";',
        '    X [label="X(t)", shape=plaintext]; Y [label="Y(t)", shape=plaintext];',
        '    cell [label="cell", shape=box, style="rounded,filled", fillcolor="#f0f4f8"];',
        f'    X -> cell [label=" Wx", color="{WX_COLOR}", fontcolor="{WX_COLOR}"];',
        f'    cell -> Y [color="{OUT_COLOR}"];',
        f'    cell:e -> cell:e [label=" Wy", color="{WY_COLOR}", fontcolor="{WY_COLOR}", penwidth=1.6];',
        "  }",
        '  equals [label="=", shape=plaintext, fontsize=30];',
        '  subgraph cluster_unrolled { label="unrolled through time: one copy per step, the same weights";'
        ' color="#bbbbbb"; fontname="Helvetica";',
        '    start [label="Y(-1) = 0", shape=plaintext, fontcolor="#777777"];',
    ]
    for t in range(steps):
        lines += [
            f'    x{t} [label="X({t})", shape=plaintext]; y{t} [label="Y({t})", shape=plaintext];',
            f'    c{t} [label="cell\\nt = {t}", shape=box, style="rounded,filled", fillcolor="#f0f4f8"];',
            f'    x{t} -> c{t} [label=" Wx", color="{WX_COLOR}", fontcolor="{WX_COLOR}"];',
            f'    c{t} -> y{t} [color="{OUT_COLOR}"];',
        ]
    lines.append(f'    start -> c0 [color="{WY_COLOR}", style=dashed];')
    lines += [f'    c{t - 1} -> c{t} [label=" Y({t - 1}) · Wy", color="{WY_COLOR}", fontcolor="{WY_COLOR}", '
              'penwidth=1.6];' for t in range(1, steps)]
    lines += [
        "  }",
        # cells and the '=' on one row, left to right, the inputs below them and the outputs above
        '  { rank=same; cell; equals; start; ' + " ".join(f"c{t};" for t in range(steps)) + " }",
        '  { rank=same; X; ' + " ".join(f"x{t};" for t in range(steps)) + " }",
        "}",
    ]
    return "\n".join(lines)
