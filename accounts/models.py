"""A person's profile: what the site needs to know about a user beyond logging in."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    hourly_rate = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="Billed per approved hour when an invoice is generated.",
    )
    weekly_hours_target = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("40.00")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0), name="profile_hourly_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours_target__gte=0, weekly_hours_target__lte=168),
                name="profile_weekly_target_within_week",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user.get_username()}"

    @property
    def timecards(self) -> QuerySet:
        """This person's timecards, through the user's reverse relation.

        ``accounts`` imports no other app (``timetrack`` and ``reports`` build on it), so
        the timecards are reached as ``user.timecards``, the related name that
        ``Timecard.user`` gives them. A plain queryset: inside a ``read_from("standby")``
        scope it reads from the standby like any other query. No query for the user: a
        profile reached as ``user.profile`` holds its user already.
        """
        return self.user.timecards.all()
