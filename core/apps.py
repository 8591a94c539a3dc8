from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from core.routing import watch_primary_statements

        # Every write on the primary is seen by the statement it runs (core.statements).
        connection_created.connect(watch_primary_statements, dispatch_uid="core.watch_primary")
