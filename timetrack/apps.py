from django.apps import AppConfig


class TimetrackConfig(AppConfig):
    name = "timetrack"
    verbose_name = "Time tracking"
