from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    """The routing library (``core.routing``) and its operator's command."""

    name = "core"

    def ready(self) -> None:
        from core.routing.middleware import logins_pin_nothing
        from core.routing.writes import watch_primary_statements

        # Every write on the primary is seen by the statement it runs (core.routing.writes).
        connection_created.connect(watch_primary_statements, dispatch_uid="core.watch_primary")
        # A request that only logged someone in or out pins nothing (core.routing.middleware).
        for signal in (user_logged_in, user_logged_out, user_login_failed):
            signal.connect(logins_pin_nothing, dispatch_uid=f"core.logins_pin_nothing.{signal}")
