"""Profiles: made for every user, with rates and targets the database keeps sane."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import UserProfile
from timetrack.factories import TimecardFactory

pytestmark = pytest.mark.django_db


def test_every_new_user_gets_a_profile():
    person = get_user_model().objects.create_user("fresh", password="x")

    assert UserProfile.objects.get(user=person).weekly_hours_target == Decimal("40.00")


def test_profile_str(user):
    assert str(user.profile) == f"Profile of {user.username}"


def test_profile_timecards_are_the_persons_own(user, other_user):
    mine = TimecardFactory.create_batch(2, user=user)
    TimecardFactory(user=other_user)

    assert set(user.profile.timecards) == set(mine)


def test_profile_timecards_take_one_query_from_the_users_profile(user):
    TimecardFactory(user=user)
    profile = get_user_model().objects.get(pk=user.pk).profile

    with CaptureQueriesContext(connection) as queries:
        assert len(profile.timecards) == 1

    assert len(queries) == 1  # the timecards; the profile holds its user


def test_factory_rate(user):
    assert UserProfile.objects.get(user=user).hourly_rate == Decimal("85.00")


@pytest.mark.parametrize(
    "fields",
    [
        {"hourly_rate": Decimal("-1")},
        {"weekly_hours_target": Decimal("-1")},
        {"weekly_hours_target": Decimal("169")},
    ],
)
def test_database_keeps_profiles_sane(user, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        UserProfile.objects.filter(user=user).update(**fields)
