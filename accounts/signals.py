"""Every user has a profile, whoever creates the user (admin, createsuperuser, seed)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import UserProfile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="create_user_profile")
def create_user_profile(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any):
    if created and not raw:
        UserProfile.objects.get_or_create(user=instance)
