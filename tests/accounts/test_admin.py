"""The User admin carries the profile inline, and adding a user still makes one profile."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.factories import UserFactory
from accounts.models import UserProfile

pytestmark = [pytest.mark.django_db, pytest.mark.pages]

User = get_user_model()


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_user_changelist_loads_with_rates(superuser_client, user):
    UserProfile.objects.filter(user=user).update(hourly_rate=Decimal("123.45"))

    response = superuser_client.get(reverse("admin:auth_user_changelist"))

    assert response.status_code == 200
    assert "123.45" in response.content.decode()


def test_user_changelist_queries_do_not_grow_with_rows(superuser_client):
    url = reverse("admin:auth_user_changelist")
    with CaptureQueriesContext(connection) as few:
        superuser_client.get(url)
    UserFactory.create_batch(8)
    with CaptureQueriesContext(connection) as many:
        superuser_client.get(url)

    assert len(many) == len(few)


def test_user_change_form_has_the_profile_inline(superuser_client, user):
    response = superuser_client.get(reverse("admin:auth_user_change", args=[user.pk]))

    assert response.status_code == 200
    assert 'name="profile-0-hourly_rate"' in response.content.decode()


def test_profile_is_edited_through_the_user_form(superuser_client, user):
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": user.username,
            "date_joined_0": user.date_joined.date().isoformat(),
            "date_joined_1": "00:00:00",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-id": user.profile.pk,
            "profile-0-user": user.pk,
            "profile-0-hourly_rate": "110.00",
            "profile-0-weekly_hours_target": "30",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data["is_active"] = "on"

    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.profile.refresh_from_db()
    assert user.profile.hourly_rate == Decimal("110.00")
    assert user.profile.weekly_hours_target == Decimal("30")


def test_adding_a_user_in_the_admin_makes_exactly_one_profile(superuser_client):
    add = reverse("admin:auth_user_add")
    assert superuser_client.get(add).status_code == 200

    response = superuser_client.post(
        add,
        {
            "username": "newcomer",
            "password1": "a-long-enough-password-42",
            "password2": "a-long-enough-password-42",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert UserProfile.objects.filter(user=newcomer).count() == 1
