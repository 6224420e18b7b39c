"""The real graph of `static_rnn` or `dynamic_rnn`, drawn so a student can read it: DOT text from ops.

A forward graph holds dozens of bookkeeping operations (shapes, constants, variable initialisers) around
the few that compute the recurrence. `group_ops` collapses them into a handful of boxes:

    input      Placeholder ops (X)
    weights    everything under a cell's `kernel` or `bias` scope: one box each, shared by every step
    cell       one box per copy of the cell: `basic_rnn_cell_3/...` (a scope per copy) or, as TF 2.x
               names them, `basic_rnn_cell/MatMul_3`, `.../Tanh_3` (one suffix per copy); no suffix is t=0
    loop       everything under a `while` scope: the loop op and its outputs (its body, one cell, lives
               in the graph's function library and runs once per step)
    prepare    the remaining ops upstream of the recurrence (transposes, unstacking, the zero state)
    collect    the remaining ops that only serve its results (stacking and transposing the outputs)

Every op lands in exactly one box, and each box shows how many ops it holds, so the boxes add up to the
graph's operation count. Pure functions: no TensorFlow, no Streamlit.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_LOOP = re.compile(r"(?:^|/)while(?:/|$)")
_WEIGHTS = re.compile(r"(?:^|/)basic_rnn_cell(?:_\d+)?/(kernel|bias)(?:/|$)")
_CELL = re.compile(r"(?:^|/)basic_rnn_cell(?:_(\d+))?/[^/]*?(?:_(\d+))?(?:/|$)")

WEIGHT_LABELS = {"kernel": "kernel [Wx; Wy]", "bias": "bias b"}
FILL = {"input": "#ffffff", "weights": "#fde9b8", "cell": "#c6dbef", "loop": "#c6dbef",
        "prepare": "#eeeeee", "collect": "#eeeeee"}


@dataclass(frozen=True)
class Group:
    key: str          # DOT node id
    kind: str         # input | weights | cell | loop | prepare | collect
    label: str        # what the student reads
    op_count: int
    op_types: tuple   # [(op type, count)], most common first


def _named_group(name: str, op_type: str) -> tuple[str, str, int] | None:
    """(kind, name key, order) for ops that their name or type places; None for bookkeeping."""
    if _LOOP.search(name):
        return "loop", "while_loop", 0
    weight = _WEIGHTS.search(name)
    if weight:
        return "weights", weight.group(1), 0
    cell = _CELL.search(name)
    if cell:
        copy = int(cell.group(1) or cell.group(2) or 0)  # a scope per copy wins over an op-name suffix
        return "cell", f"cell_{copy}", copy
    if op_type == "Placeholder":
        return "input", name, 0
    return None


def _bookkeeping_side(names: list[str], placed: dict, edges) -> dict[str, str]:
    """'collect' for unplaced ops downstream of the recurrence or feeding only such ops; else 'prepare'."""
    consumers = {name: set() for name in names}
    for src, dst in edges:
        if src in consumers and dst in consumers:
            consumers[src].add(dst)
    recurrent = {name for name, (kind, _, _) in placed.items() if kind in ("cell", "loop")}
    after, frontier = set(), list(recurrent)
    while frontier:  # everything reachable from a cell or the loop
        for consumer in consumers[frontier.pop()]:
            if consumer not in after and consumer not in recurrent:
                after.add(consumer)
                frontier.append(consumer)
    changed = True
    while changed:  # constants and shapes that only feed the output side belong to it
        changed = False
        for name in names:
            if name not in after and name not in placed and consumers[name] and consumers[name] <= after:
                after.add(name)
                changed = True
    return {name: "collect" if name in after else "prepare" for name in names if name not in placed}


def _label(kind: str, key: str, order: int, ops: int) -> str:
    count = f"{ops} op{'s' if ops != 1 else ''}"
    title = {"input": f"{key}\\n(placeholder)", "weights": WEIGHT_LABELS.get(key, key),
             "cell": f"cell copy\\nt={order}", "loop": "while_loop", "prepare": "prepare X,\\nzero state",
             "collect": "collect\\noutputs"}[kind]
    return title if kind == "input" else f"{title}\\n{count}"


def group_ops(nodes, edges) -> tuple[list[Group], list[tuple[str, str]]]:
    """Collapse a graph's ops into readable groups and the edges between them (no self-edges, no repeats).

    nodes: [(op name, op type)]; edges: [(from op name, to op name)]. Groups come in drawing order:
    input, weights, prepare, cells by step (or the loop), collect.
    """
    names = [name for name, _ in nodes]
    placed = {name: found for name, op_type in nodes if (found := _named_group(name, op_type))}
    sides = _bookkeeping_side(names, placed, edges)
    group_of, members = {}, {}
    for name, op_type in nodes:
        kind, key, order = placed.get(name) or (sides[name], sides[name], 0)
        group_of[name] = (kind, key)
        members.setdefault((kind, key), [order, Counter()])[1][op_type] += 1
    rank = {"input": 0, "weights": 1, "prepare": 2, "cell": 3, "loop": 3, "collect": 4}
    ordered = sorted(members.items(), key=lambda item: (rank[item[0][0]], item[1][0], item[0][1]))
    ids = {group: f"g{i}" for i, (group, _) in enumerate(ordered)}
    groups = [Group(ids[(kind, key)], kind, _label(kind, key, order, sum(types.values())),
                    sum(types.values()), tuple(types.most_common()))
              for (kind, key), (order, types) in ordered]
    group_edges = []
    for src, dst in edges:
        if src in group_of and dst in group_of and group_of[src] != group_of[dst]:
            edge = (ids[group_of[src]], ids[group_of[dst]])
            if edge not in group_edges:
                group_edges.append(edge)
    return groups, group_edges


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def _tooltip(group: Group) -> str:
    """Every op type in the box with its count: what a student sees on hovering over it."""
    return ", ".join(f"{op_type} ×{count}" for op_type, count in group.op_types)


def graph_dot(nodes, edges, title: str) -> str:
    """DOT text for `st.graphviz_chart`: the grouped graph, left to right, titled `title`.

    Labels stay short so a graph of several steps still fits a page; hovering over a box lists its ops.
    """
    groups, group_edges = group_ops(nodes, edges)
    kind_of = {group.key: group.kind for group in groups}
    lines = ["digraph {", "  rankdir=LR; nodesep=0.15; ranksep=0.3;",
             f"  label={_quote(title)}; labelloc=t; fontname=Helvetica; fontsize=16;",
             '  node [shape=box, style="rounded,filled", fontname=Helvetica, fontsize=14];',
             '  edge [color="#777777"];']
    for group in groups:
        shape = ", shape=ellipse" if group.kind == "input" else ""
        lines.append(f"  {group.key} [label={_quote(group.label)}, tooltip={_quote(_tooltip(group))}, "
                     f"fillcolor={_quote(FILL[group.kind])}{shape}];")
    for src, dst in group_edges:
        if kind_of[src] == "weights":  # the same weights feed every copy: drawn lighter
            lines.append(f'  {src} -> {dst} [color="#c9a13b", style=dashed];')
        elif kind_of[src] == kind_of[dst] == "cell":  # the recurrence: kept on one straight line
            lines.append(f"  {src} -> {dst} [weight=10, penwidth=2];")
        else:
            lines.append(f"  {src} -> {dst};")
    for group in groups:
        if group.kind == "loop":  # not an edge of the graph: a reminder that the body repeats
            lines.append(f'  {group.key} -> {group.key} [style=dashed, label="one cell,\\nonce per step"];')
    lines.append("}")
    return "\n".join(lines)
