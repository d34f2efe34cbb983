"""The replayed clock the demo seed runs its history under."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models.base import replayed_at, utc_now


def test_inside_the_block_utc_now_is_the_replayed_moment_and_after_it_the_real_time():
    moment = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)
    with replayed_at(moment):
        assert utc_now() == moment
    assert utc_now() > moment


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="naive"), replayed_at(datetime(2025, 3, 4)):
        pass
