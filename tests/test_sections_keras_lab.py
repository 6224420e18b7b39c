"""dashboard/sections/keras_lab.py's pure helpers: the time left, from the epochs this page saw finish."""


def test_time_left_comes_from_the_epochs_this_page_saw_finish():
    from dashboard.sections.keras_lab import left_text, remaining_s

    assert remaining_s([], 20) is None and remaining_s([(3, 100.0)], 20) is None  # one count: no pace yet
    assert remaining_s([(3, 100.0), (3, 104.0)], 20) is None
    # 2 epochs in 6 s: 3 s an epoch, 15 epochs left
    assert remaining_s([(3, 100.0), (4, 103.5), (5, 106.0)], 20) == 45.0
    assert remaining_s([(1, 0.0), (20, 38.0)], 20) == 0.0
    assert left_text(None) == "Measuring how long an epoch takes…"
    assert left_text(45.0) == "About 45 s left, at the pace of the epochs so far."
