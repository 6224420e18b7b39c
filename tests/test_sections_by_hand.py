"""Helpers of the by-hand page: the results table in the lesson's print layout, the table fingerprint."""
import numpy as np

from dashboard.sections import by_hand as by_hand_parts
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X


def test_outputs_table_rows_are_the_lessons_y0_then_y1():
    Y = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs
    table = by_hand_parts.outputs_table(Y)
    assert table.index.names == ["t", "example"]
    assert list(table.index) == [(t, e) for t in range(2) for e in range(4)]
    assert list(table.columns) == [f"neuron {n}" for n in range(5)]
    np.testing.assert_array_equal(table.loc[0].to_numpy(), Y[:, 0])  # Y0_val
    np.testing.assert_array_equal(table.loc[1].to_numpy(), Y[:, 1])  # Y1_val


def test_table_digest_changes_with_any_value_or_the_shape():
    X = LESSON_X.copy()
    digest = by_hand_parts.table_digest(X)
    assert by_hand_parts.table_digest(X.copy()) == digest
    X[3, 1, 2] += 1
    assert by_hand_parts.table_digest(X) != digest
    assert by_hand_parts.table_digest(LESSON_X.reshape(2, 4, 3)) != digest


def test_the_agreement_verdict_states_the_measured_gap_and_the_bar():
    from rnncore.caps import AGREEMENT

    agree = by_hand_parts.agreement_verdict(2.7e-6)
    assert agree.startswith("They agree") and "2.7e-06" in agree and f"{AGREEMENT:g}" in agree
    disagree = by_hand_parts.agreement_verdict(3e-4)
    assert disagree.startswith("They disagree") and "3.0e-04" in disagree and "report" in disagree
    assert by_hand_parts.agreement_verdict(AGREEMENT).startswith("They disagree")  # the bar itself is not below it
