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
    """The same cell copied once per time step (time running down), '=', and the cell with its loop."""
    if not isinstance(steps, int) or not 1 <= steps <= 8:
        raise ValueError(f"steps must be a whole number in 1..8 for a readable drawing, got {steps!r}")
    lines = [
        "digraph unrolled {",
        # time runs down the page, the input on the left and the output on the right: narrow enough for a
        # phone to show the labels at 11 px or more (a row of copies side by side shrank them to 6 px)
        '  rankdir=LR; nodesep=0.25; ranksep=0.35; bgcolor="transparent"; newrank=true;',
        '  node [fontname="Helvetica", fontsize=16]; edge [fontname="Helvetica", fontsize=14];',
        '  subgraph cluster_rolled { label="rolled up"; color="#bbbbbb"; fontname="Helvetica";',
        '    X [label="X(t)", shape=plaintext]; Y [label="Y(t)", shape=plaintext];',
        '    cell [label="cell", shape=box, style="rounded,filled", fillcolor="#f0f4f8"];',
        f'    X -> cell [label=" Wx", color="{WX_COLOR}", fontcolor="{WX_COLOR}"];',
        f'    cell -> Y [color="{OUT_COLOR}"];',
        f'    cell:e -> cell:e [label=" Wy", color="{WY_COLOR}", fontcolor="{WY_COLOR}", penwidth=1.6];',
        "  }",
        '  equals [label="=", shape=plaintext, fontsize=30];',
        '  subgraph cluster_unrolled { label="unrolled: one copy per step,\\nthe same weights";'
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
    # Within one rank of a left-to-right drawing, an edge's tail sits below its head: so each edge runs from
    # the later copy back to the earlier one, drawn with its arrow reversed (dir=back), and time runs down
    lines.append(f'    c0 -> start [color="{WY_COLOR}", style=dashed, dir=back];')
    lines += [f'    c{t} -> c{t - 1} [label=" Y({t - 1}) · Wy", color="{WY_COLOR}", fontcolor="{WY_COLOR}", '
              'penwidth=1.6, dir=back];' for t in range(1, steps)]
    lines += [
        "  }",
        "  start -> equals -> cell [style=invis];  # the rolled cell on top, then '=', then the copies",
        # cells and the '=' in one column, top to bottom, the inputs left of them and the outputs right
        '  { rank=same; cell; equals; start; ' + " ".join(f"c{t};" for t in range(steps)) + " }",
        '  { rank=same; X; ' + " ".join(f"x{t};" for t in range(steps)) + " }",
        "}",
    ]
    return "\n".join(lines)
