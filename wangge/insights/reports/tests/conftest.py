import datetime as dt

import pytest
from django.utils import timezone

from wangge.insights.rollups import services as rollups
from wangge.testing.matters import A1EM1, A2EM1, B1EM1, close, report


def report_matter(world, where, *, close_after_hours=None, rating=None):
    start = timezone.now()  # the world's duties began just now
    matter = report(world, where, at=start, description="垃圾堆放")
    if close_after_hours is None:
        return matter
    return close(world, matter, at=start + dt.timedelta(hours=close_after_hours),
                 resolved_at=start + dt.timedelta(minutes=1), rating=rating)


@pytest.fixture
def history(world):
    """Matters of this month in both communities: four in A (two closed at once in A1; in A2 one closed,
    one open), one in B."""
    report_matter(world, A1EM1, close_after_hours=0.05, rating="satisfied")
    report_matter(world, A1EM1, close_after_hours=0.05, rating="basic")
    report_matter(world, A2EM1, close_after_hours=0.1)
    report_matter(world, A2EM1)
    report_matter(world, B1EM1)
    rollups.fold_all()
    return world


@pytest.fixture
def this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def with_email(world):
    def give(key: str):
        user = world.users[key]
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
        return user

    return give
