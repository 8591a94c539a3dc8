"""The User admin with the person's profile (hourly rate, weekly target) inline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from accounts.models import UserProfile

User = get_user_model()


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    verbose_name_plural = "profile"
    fields = ["hourly_rate", "weekly_hours_target"]


@admin.display(description="Hourly rate", ordering="profile__hourly_rate")
def hourly_rate(user: Any) -> Any:
    profile = getattr(user, "profile", None)
    return profile.hourly_rate if profile is not None else None


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    inlines = [UserProfileInline]
    list_display = [*UserAdmin.list_display, hourly_rate]
    list_select_related = ["profile"]

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A new user gets a profile from the post_save signal; an inline on the add
        # form would insert a second one and fail on the one-to-one.
        if obj is None:
            return []
        return super().get_inline_instances(request, obj)
