"""What a person and a profile look like: factory-boy factories, for the seed and the tests."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from faker import Faker

from accounts.models import UserProfile

fake = Faker()

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose profile (made by the post_save signal) gets an hourly rate."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = False
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def hourly_rate(user, create: bool, extracted: Decimal | None, **kwargs: object) -> None:
        if create:
            rate = extracted if extracted is not None else Decimal("85.00")
            UserProfile.objects.filter(user=user).update(hourly_rate=rate)
            user.profile.hourly_rate = rate


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class UserProfileFactory(factory.django.DjangoModelFactory):
    """A profile for a user made without the signal (``raw`` fixtures, bulk loads)."""

    class Meta:
        model = UserProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    hourly_rate = Decimal("85.00")
