"""Test settings: the project's settings with a fixed key and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders, so no collectstatic is needed before the tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
AXES_ENABLED = False  # client.login() sends no request, which axes needs; its tests turn it on
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Django's backend, with a flush between tests that deletes rows instead of
    # truncating tables: tests/postgresql_test_backend says why.
    DATABASES["default"]["ENGINE"] = "tests.postgresql_test_backend"  # noqa: F405
# Whatever a developer's .env says, /metrics is closed unless a test opens it.
METRICS_TOKEN = ""
METRICS_ALLOWED_ADDRESSES = []
