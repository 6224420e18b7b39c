"""The grouped drawing of a graph: every op in exactly one box, one box per cell copy, one for the loop."""
import re

import pytest

from dashboard.graph_drawing import graph_dot, group_ops


def static_graph(steps: int, scoped: bool = False):
    """A small static_rnn-like graph. TF 2.x names copy t `basic_rnn_cell/MatMul_t`; `scoped` names it
    `basic_rnn_cell_t/MatMul` as older TensorFlow did."""
    nodes = [("X", "Placeholder"), ("transpose", "Transpose"), ("unstack", "Unpack"),
             ("rnn/BasicRNNCellZeroState/zeros", "Fill"),
             ("rnn/basic_rnn_cell/kernel", "VarHandleOp"), ("rnn/basic_rnn_cell/kernel/Read/ReadVariableOp",
                                                            "ReadVariableOp"),
             ("rnn/basic_rnn_cell/bias", "VarHandleOp")]
    edges = [("X", "transpose"), ("transpose", "unstack"),
             ("rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/kernel/Read/ReadVariableOp")]
    previous = "rnn/BasicRNNCellZeroState/zeros"
    for t in range(steps):
        scope, suffix = (f"rnn/basic_rnn_cell_{t}", "") if scoped else ("rnn/basic_rnn_cell", f"_{t}" if t else "")
        concat, matmul, tanh = f"{scope}/concat{suffix}", f"{scope}/MatMul{suffix}", f"{scope}/Tanh{suffix}"
        nodes += [(f"{concat}/axis", "Const"), (concat, "ConcatV2"), (matmul, "MatMul"), (tanh, "Tanh")]
        edges += [("unstack", concat), (previous, concat), (f"{concat}/axis", concat), (concat, matmul),
                  ("rnn/basic_rnn_cell/kernel", matmul), (matmul, tanh), ("rnn/basic_rnn_cell/bias", tanh)]
        previous = tanh
    nodes += [("stack", "Pack"), ("transpose_1/perm", "Const"), ("transpose_1", "Transpose")]
    edges += [(f"rnn/basic_rnn_cell{'_' + str(t) if scoped else ''}/Tanh{'' if scoped or not t else '_' + str(t)}",
               "stack") for t in range(steps)]
    edges += [("stack", "transpose_1"), ("transpose_1/perm", "transpose_1")]
    return nodes, edges


def dynamic_graph():
    nodes = [("X", "Placeholder"), ("rnn/transpose", "Transpose"), ("rnn/time", "Const"),
             ("rnn/basic_rnn_cell/kernel", "VarHandleOp"), ("rnn/basic_rnn_cell/bias", "VarHandleOp"),
             ("rnn/while", "StatelessWhile"), ("rnn/while/Identity", "Identity"),
             ("rnn/while/Identity_1", "Identity"), ("rnn/Const_1", "Const"), ("rnn/transpose_1", "Transpose")]
    edges = [("X", "rnn/transpose"), ("rnn/transpose", "rnn/while"), ("rnn/time", "rnn/while"),
             ("rnn/basic_rnn_cell/kernel", "rnn/while"), ("rnn/basic_rnn_cell/bias", "rnn/while"),
             ("rnn/while", "rnn/while/Identity"), ("rnn/while", "rnn/while/Identity_1"),
             ("rnn/while/Identity_1", "rnn/transpose_1"), ("rnn/Const_1", "rnn/transpose_1")]
    return nodes, edges


def by_kind(groups):
    kinds = {}
    for group in groups:
        kinds.setdefault(group.kind, []).append(group)
    return kinds


@pytest.mark.parametrize("scoped", [False, True])
@pytest.mark.parametrize("steps", [1, 2, 4])
def test_one_box_per_cell_copy_in_step_order(steps, scoped):
    nodes, edges = static_graph(steps, scoped)
    groups, group_edges = group_ops(nodes, edges)
    kinds = by_kind(groups)
    cells = kinds["cell"]
    assert [g.label for g in cells] == [f"cell copy\\nt={t}\\n4 ops" for t in range(steps)]
    assert all(g.op_count == 4 and dict(g.op_types) == {"Const": 1, "ConcatV2": 1, "MatMul": 1, "Tanh": 1}
               for g in cells)
    assert sum(g.op_count for g in groups) == len(nodes)
    assert [g.kind for g in groups] == ["input", "weights", "weights", "prepare", *["cell"] * steps, "collect"]
    ids = {g.kind if g.kind != "cell" else g.label.split("\\n")[1]: g.key for g in groups}
    # each copy feeds the next, and both weights feed every copy: the same weights at every step
    for t in range(1, steps):
        assert (ids[f"t={t - 1}"], ids[f"t={t}"]) in group_edges
    for g in kinds["weights"]:
        assert sum(src == g.key for src, _ in group_edges) == steps
    assert len(group_edges) == len(set(group_edges)) and all(src != dst for src, dst in group_edges)


def test_weights_and_bookkeeping_are_collapsed_and_counted():
    nodes, edges = static_graph(3)
    kinds = by_kind(group_ops(nodes, edges)[0])
    assert [(g.label, g.op_count) for g in kinds["weights"]] == [("bias b\\n1 op", 1),
                                                                 ("kernel [Wx; Wy]\\n2 ops", 2)]
    # transpose, unstack and the zero state come before the cells; the perm constant feeds only the
    # output transpose, so it is counted with the outputs
    assert kinds["prepare"][0].op_count == 3 and kinds["collect"][0].op_count == 3
    assert kinds["input"][0].label == "X\\n(placeholder)"


def test_the_loop_is_one_box_whatever_is_inside_it():
    nodes, edges = dynamic_graph()
    groups, group_edges = group_ops(nodes, edges)
    kinds = by_kind(groups)
    assert "cell" not in kinds
    (loop,) = kinds["loop"]
    assert loop.op_count == 3 and loop.label == "while_loop\\n3 ops"
    assert kinds["prepare"][0].op_count == 2 and kinds["collect"][0].op_count == 2  # rnn/Const_1 goes after
    assert (loop.key, kinds["collect"][0].key) in group_edges
    assert sum(g.op_count for g in groups) == len(nodes)


def test_dot_text_draws_every_group_and_marks_the_loop():
    nodes, edges = dynamic_graph()
    groups, group_edges = group_ops(nodes, edges)
    dot = graph_dot(nodes, edges, 'dynamic "rnn"')
    loop = by_kind(groups)["loop"][0].key
    assert dot.startswith("digraph {") and dot.endswith("}")
    assert "label=\"dynamic 'rnn'\"" in dot  # a quote in the title cannot end the DOT string
    assert len(re.findall(r"^  g\d+ \[label=", dot, re.M)) == len(groups)
    drawn = re.findall(r"^  (g\d+) -> (g\d+)[ ;]", dot, re.M)
    assert drawn[:len(group_edges)] == group_edges and drawn[len(group_edges):] == [(loop, loop)]
    assert f'{loop} -> {loop} [style=dashed, label="one cell,\\nonce per step"];' in dot
    assert "once per step" not in graph_dot(*static_graph(2), "static")


def test_dot_text_lists_each_box_ops_on_hover_and_styles_the_edges():
    nodes, edges = static_graph(2)
    groups, _ = group_ops(nodes, edges)
    dot = graph_dot(nodes, edges, "static")
    cell = next(g for g in groups if g.kind == "cell")
    assert f'{cell.key} [label="cell copy\\nt=0\\n4 ops", tooltip="Const ×1, ConcatV2 ×1, MatMul ×1, Tanh ×1"' in dot
    cells = [g.key for g in groups if g.kind == "cell"]
    assert f"  {cells[0]} -> {cells[1]} [weight=10, penwidth=2];" in dot  # the recurrence, straight
    assert dot.count('[color="#c9a13b", style=dashed];') == 2 * 2  # kernel and bias to each copy


def test_real_graphs_static_grows_a_box_per_step_dynamic_does_not():
    from rnncore import init_weights
    from rnncore.tf.graphs import measure

    w = init_weights()
    for steps in (1, 3):
        static = measure("static", steps, w, run=False)
        groups, _ = group_ops(static.nodes, static.edges)
        assert sum(g.kind == "cell" for g in groups) == steps
        assert sum(g.op_count for g in groups) == static.op_count
    one, four = (measure("dynamic", steps, w, run=False) for steps in (1, 4))
    assert graph_dot(one.nodes, one.edges, "d") == graph_dot(four.nodes, four.edges, "d")
    groups, _ = group_ops(four.nodes, four.edges)
    assert [g.kind for g in groups].count("loop") == 1 and "cell" not in {g.kind for g in groups}
    assert sum(g.op_count for g in groups) == four.op_count
