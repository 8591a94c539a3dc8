"""Profiles: made for every user, with rates and targets the database keeps sane."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from accounts.models import UserProfile

pytestmark = pytest.mark.django_db


def test_every_new_user_gets_a_profile():
    person = get_user_model().objects.create_user("fresh", password="x")

    assert UserProfile.objects.get(user=person).weekly_hours_target == Decimal("40.00")


def test_profile_str_and_url(user):
    assert str(user.profile) == f"Profile of {user.username}"
    assert user.profile.get_absolute_url() == "/accounts/profile/"


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
