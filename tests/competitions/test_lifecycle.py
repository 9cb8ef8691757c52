from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.access.vocabulary import Phase
from app.competitions.lifecycle import (
    TRANSITIONS,
    Override,
    can_transition,
    current_phase,
    next_scheduled,
    scheduled_phase,
)

T0 = datetime(2025, 11, 1, tzinfo=UTC)
SCHEDULE = {
    Phase.ANNOUNCED: T0,
    Phase.OPEN: T0 + timedelta(days=16),
    Phase.CLOSED: T0 + timedelta(days=30),
    Phase.ANNOUNCED_RESULTS: T0 + timedelta(days=120),
}


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (T0 - timedelta(seconds=1), Phase.DRAFT),
        (T0, Phase.ANNOUNCED),
        (T0 + timedelta(days=16) - timedelta(microseconds=1), Phase.ANNOUNCED),
        (T0 + timedelta(days=16), Phase.OPEN),
        (T0 + timedelta(days=30) - timedelta(seconds=1), Phase.OPEN),
        (T0 + timedelta(days=30), Phase.CLOSED),
        (T0 + timedelta(days=200), Phase.ANNOUNCED_RESULTS),
    ],
)
def test_the_schedule_decides_the_phase_by_the_clock(at: datetime, expected: Phase) -> None:
    assert scheduled_phase(SCHEDULE, at) is expected
    assert current_phase(SCHEDULE, at) is expected


def test_an_explicit_move_holds_until_a_later_scheduled_phase_begins() -> None:
    moved = Override(Phase.JUDGING, T0 + timedelta(days=40))
    assert current_phase(SCHEDULE, T0 + timedelta(days=39), moved) is Phase.CLOSED  # not yet made
    assert current_phase(SCHEDULE, T0 + timedelta(days=41), moved) is Phase.JUDGING
    assert current_phase(SCHEDULE, T0 + timedelta(days=121), moved) is Phase.ANNOUNCED_RESULTS


def test_the_schedule_never_pulls_an_explicit_move_backwards() -> None:
    early_close = Override(Phase.DELIBERATION, T0 + timedelta(days=20))
    # The scheduled 'closed' boundary comes after the move, but it is an earlier phase.
    assert current_phase(SCHEDULE, T0 + timedelta(days=35), early_close) is Phase.DELIBERATION


def test_reopening_holds_past_the_scheduled_close_that_already_passed() -> None:
    reopened = Override(Phase.OPEN, T0 + timedelta(days=31))
    assert current_phase(SCHEDULE, T0 + timedelta(days=32), reopened) is Phase.OPEN


def test_transitions() -> None:
    assert can_transition(Phase.OPEN, Phase.CLOSED)
    assert can_transition(Phase.CLOSED, Phase.OPEN)
    assert can_transition(Phase.JUDGING, Phase.DELIBERATION)
    assert not can_transition(Phase.OPEN, Phase.JUDGING)
    assert not can_transition(Phase.ARCHIVED, Phase.OPEN)
    assert set(TRANSITIONS) == set(Phase)


def test_next_scheduled() -> None:
    assert next_scheduled(SCHEDULE, T0 + timedelta(days=1)) == (Phase.OPEN, SCHEDULE[Phase.OPEN])
    assert next_scheduled(SCHEDULE, T0 + timedelta(days=500)) is None


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    )
)
def test_the_scheduled_phase_only_moves_forward_in_time(at: datetime) -> None:
    later = at + timedelta(days=1)
    assert scheduled_phase(SCHEDULE, later).order >= scheduled_phase(SCHEDULE, at).order
