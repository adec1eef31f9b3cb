"""The garbage-collector settings a run uses, and that overlapping runs share."""

from __future__ import annotations

import gc

from pimsync.jobs._pipeline import RUN_GC_THRESHOLD, frozen_heap


def test_a_run_raises_the_threshold_and_freezes_the_heap_until_it_ends() -> None:
    before = gc.get_threshold()
    assert before != RUN_GC_THRESHOLD
    with frozen_heap():
        assert gc.get_threshold() == RUN_GC_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_runs_keep_the_settings_until_the_last_one_ends() -> None:
    before = gc.get_threshold()
    first, second = frozen_heap(), frozen_heap()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == RUN_GC_THRESHOLD  # the second run is still going
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
