"""Training progress rules, computed by hand."""

from __future__ import annotations

from app.domain.training import ModuleOutline, ModuleStatus, module_done, percent, training_progress

OUTLINE = [
    ModuleOutline("a1", 1, frozenset({"r"})),
    ModuleOutline("a2", 1, frozenset({"r", "p"})),
    ModuleOutline("b1", 2, frozenset({"r"})),
    ModuleOutline("c1", 3, frozenset({"r"})),
]


def test_a_module_is_done_when_every_required_activity_is():
    assert module_done(frozenset({"r", "p"}), frozenset({"r", "p", "extra"}))
    assert not module_done(frozenset({"r", "p"}), frozenset({"r"}))


def test_nothing_done():
    progress = training_progress(OUTLINE, frozenset(), {})
    assert (progress.completed, progress.total, progress.percent) == (0, 4, 0)
    assert [day.unlocked for day in progress.days] == [True, False, False]
    assert progress.continue_module == "a1"


def test_statuses_and_percentages():
    progress = training_progress(OUTLINE, frozenset({"a1"}), {"a2": frozenset({"r"})})
    assert progress.status_of("a1") is ModuleStatus.COMPLETE
    assert progress.status_of("a2") is ModuleStatus.IN_PROGRESS
    assert progress.status_of("b1") is ModuleStatus.NOT_STARTED
    assert progress.days[0].percent == 50
    assert progress.percent == 25


def test_days_open_in_order_as_earlier_days_complete():
    progress = training_progress(OUTLINE, frozenset({"a1", "a2"}), {})
    assert [day.unlocked for day in progress.days] == [True, True, False]
    assert progress.continue_module == "b1"


def test_a_cohort_may_open_every_day_at_once():
    progress = training_progress(OUTLINE, frozenset(), {}, in_order=False)
    assert all(day.unlocked for day in progress.days)


def test_continue_resumes_the_last_module_worked_on():
    progress = training_progress(
        OUTLINE, frozenset({"a1", "a2", "b1"}), {}, in_order=False, last_touched="a1"
    )
    assert progress.continue_module == "c1"
    progress = training_progress(
        OUTLINE, frozenset(), {}, in_order=False, touched=frozenset({"b1"}), last_touched="b1"
    )
    assert progress.continue_module == "b1"
    assert progress.status_of("b1") is ModuleStatus.IN_PROGRESS


def test_continue_wraps_back_to_an_earlier_unfinished_module():
    progress = training_progress(
        OUTLINE, frozenset({"a2", "b1", "c1"}), {}, in_order=False, last_touched="c1"
    )
    assert progress.continue_module == "a1"


def test_complete_training():
    progress = training_progress(OUTLINE, frozenset({"a1", "a2", "b1", "c1"}), {})
    assert progress.complete
    assert progress.percent == 100
    assert progress.continue_module is None


def test_a_module_added_later_reopens_its_day_but_keeps_completions():
    grown = [*OUTLINE, ModuleOutline("a3", 1, frozenset({"r"}))]
    progress = training_progress(grown, frozenset({"a1", "a2", "b1", "c1"}), {})
    assert not progress.complete
    assert progress.days[0].completed == 2
    assert progress.continue_module == "a3"


def test_percent_never_rounds_up_to_done():
    assert percent(199, 200) == 99
    assert percent(0, 0) == 0


def test_a_locked_day_says_which_earlier_days_it_waits_for():
    nothing = training_progress(OUTLINE, frozenset(), {})
    assert nothing.opens_when(1) is None
    assert nothing.opens_when(2) == "Day 2 opens when Day 1 is complete."
    assert nothing.opens_when(3) == "Day 3 opens when Day 1 and Day 2 are complete."
    day_one_done = training_progress(OUTLINE, frozenset({"a1", "a2"}), {})
    assert day_one_done.opens_when(3) == "Day 3 opens when Day 2 is complete."


def test_the_first_locked_day_of_a_quiz():
    day_one_done = training_progress(OUTLINE, frozenset({"a1", "a2"}), {})
    assert day_one_done.first_locked([1]) is None
    assert day_one_done.first_locked([3, 1, 2]) == 3
    assert training_progress(OUTLINE, frozenset(), {}, in_order=False).first_locked([3]) is None
