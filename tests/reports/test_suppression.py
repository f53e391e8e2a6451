"""The governors' report hides small numbers (issue 17): 1 to 4 shown as "fewer than 5" (primary
suppression), and in every group that adds up to a total, a second cell hidden where only one
would be (secondary suppression), so that no hidden count can be worked back from the total."""

from __future__ import annotations

import random

import pytest

from reports import figures


def _report(counts: dict[str, int]) -> figures.Report:
    return figures._report("Test", {k.replace(":", "__"): v for k, v in counts.items()})


def _shown(report: figures.Report, group: str) -> dict[str, str]:
    section = next(s for s in report.sections if s.group.key == group)
    return {row.figure.value: row.text for row in section.rows}


def test_a_small_count_is_fewer_than_5_and_the_next_smallest_of_its_group_is_not_shown():
    # Arrange: 12 visits, 10 completed and 2 cancelled.
    report = _report({"all:all": 12, "status:completed": 10, "status:cancelled": 2})

    # Act
    figures.suppress(report)

    # Assert: 12 - 10 would give the 2 away, so the 10 is hidden too; zeros stay.
    assert report.total.text == "12"
    assert _shown(report, "status") == {
        "completed": "not shown",
        "cancelled": "fewer than 5",
        "declined": "0",
        "open": "0",
    }


def test_two_small_counts_hide_each_other():
    # Arrange
    report = _report({"all:all": 20, "status:completed": 14, "status:cancelled": 3, "status:declined": 3})

    # Act
    figures.suppress(report)

    # Assert
    assert _shown(report, "status") == {
        "completed": "14",
        "cancelled": "fewer than 5",
        "declined": "fewer than 5",
        "open": "0",
    }


def test_a_small_total_hides_every_count_of_its_groups():
    # Arrange
    report = _report({"all:all": 3, "status:completed": 3, "type:planned": 3})

    # Act
    figures.suppress(report)

    # Assert
    assert report.total.text == "fewer than 5"
    assert _shown(report, "type") == {"planned": "fewer than 5", "emergency": "0"}


def test_the_outcomes_add_up_to_the_completed_visits():
    # Arrange: 30 visits, 8 completed: 6 child seen, 2 not carried out.
    report = _report(
        {
            "all:all": 30,
            "status:completed": 8,
            "status:open": 22,
            "outcome:seen": 6,
            "outcome:not_conducted": 2,
        }
    )

    # Act
    figures.suppress(report)

    # Assert
    assert _shown(report, "outcome") == {"seen": "not shown", "not_seen": "0", "not_conducted": "fewer than 5"}


def test_a_hidden_count_draws_no_bar_and_sets_no_scale():
    # Arrange
    report = _report({"all:all": 12, "status:completed": 10, "status:cancelled": 2, "type:planned": 12})

    # Act
    figures.suppress(report)

    # Assert: the widest bar is the 12 shown, not a hidden count; hidden rows have no bar.
    section = next(s for s in report.sections if s.group.key == "status")
    assert section.scale == 12
    assert [bar["width"] for bar in section.bars] == [0, 0, 0, 0]


@pytest.mark.parametrize("seed", range(200))
def test_no_hidden_count_can_be_worked_back_from_a_total(seed):
    # Arrange: random counts that add up within each group.
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    total = rng.choice([0, 2, 4, 7, 12, 40])
    counts["all:all"] = total
    for group in figures.GROUPS:
        if not group.partition or group.key == "outcome":
            continue
        left = total
        for figure in group.figures[:-1]:
            n = rng.randint(0, left)
            counts[f"{figure.key}:{figure.value}"] = n
            left -= n
        last = group.figures[-1]
        counts[f"{last.key}:{last.value}"] = left
    completed = counts["status:completed"]
    counts["outcome:seen"] = rng.randint(0, completed)
    counts["outcome:not_conducted"] = completed - counts["outcome:seen"]
    report = _report(counts)

    # Act
    figures.suppress(report)

    # Assert: no small count shows; in a group whose total shows, never exactly one cell hidden.
    for section in report.sections:
        shown = [r for r in section.rows if not r.suppressed]
        assert all(not (0 < r.count < figures.SMALL) for r in shown)
        if not section.group.partition:
            continue
        key = figures.PARTITION_TOTAL.get(section.group.key)
        total_row = report.row(*key) if key else report.total
        hidden = [r for r in section.rows if r.suppressed]
        if not total_row.suppressed:
            assert len(hidden) != 1, (section.group.key, counts)
        else:
            assert all(r.suppressed for r in section.rows if r.count), (section.group.key, counts)
