"""Logging in and out."""

from django.contrib.auth import views as auth_views
from django.urls import path

from core.middleware import read_your_writes_exempt

app_name = "accounts"

urlpatterns = [
    # Logging in or out writes only the session and last_login: no reason to pin the
    # browser's report pages to the primary afterwards (read your own writes).
    path(
        "login/",
        read_your_writes_exempt(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only, so a link or a prefetch cannot log anyone out.
    path("logout/", read_your_writes_exempt(auth_views.LogoutView.as_view()), name="logout"),
]
