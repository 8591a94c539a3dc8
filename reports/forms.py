"""Filter forms of the report pages, read from the query string (GET).

Every field is optional: a blank date falls back to the default range, a blank choice
means "all". Bad input (an unparseable date, an end before the start, an unknown
person) makes the form invalid with one of the messages below, and the page shows the
form and the message instead of a report; it never reaches the database as a filter.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone

from presentation import dates
from reports.selectors import TimecardFilters
from timetrack import periods
from timetrack.date_bounds import BoundedDateField
from timetrack.forms import PersonChoiceField, ValuesChoiceField
from timetrack.models import Client, Project, TimecardStatus
from timetrack.widgets import LongSelect

INVALID_DATE = "Enter the {which} date as YYYY-MM-DD, for example 2024-05-31."
RANGE_REVERSED = "The end date ({end}) is before the start date ({start}): swap them or fix one."
RANGE_TOO_LONG = (
    "Show at most {weeks} weeks at a time here; narrow the dates or export the CSV instead."
)
PROJECT_NOT_OF_CLIENT = "Project {project} does not belong to client {client}."
UNKNOWN_CHOICE = "There is no such {what}; pick one from the list."

DEFAULT_WEEKS_BACK = 8
"""The default range: the last eight full weeks and the current one."""


def default_range(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return periods.weeks_back(today, DEFAULT_WEEKS_BACK), today


def _date_field(which: str) -> forms.DateField:
    return BoundedDateField(
        label=which.capitalize(),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": INVALID_DATE.format(which=which)},
    )


class TimecardFilterForm(forms.Form):
    """Date range, person, client, project and status of the timecards to report on."""

    max_weeks: int | None = None
    """How many weeks the range may span, or ``None`` for no limit."""

    start = _date_field("start")
    end = _date_field("end")
    person = PersonChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        empty_label="Everyone",
        error_messages={"invalid_choice": UNKNOWN_CHOICE.format(what="person")},
    )
    client = ValuesChoiceField(
        queryset=Client.objects.order_by("name"),
        label_fields=("name",),
        required=False,
        empty_label="All clients",
        error_messages={"invalid_choice": UNKNOWN_CHOICE.format(what="client")},
    )
    project = ValuesChoiceField(
        queryset=Project.objects.order_by("client__name", "name"),
        label_fields=("client__name", "name"),  # as Project.__str__ writes it
        required=False,
        empty_label="All projects",
        error_messages={"invalid_choice": UNKNOWN_CHOICE.format(what="project")},
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *TimecardStatus.choices],
        required=False,
        widget=LongSelect,
        error_messages={"invalid_choice": UNKNOWN_CHOICE.format(what="status")},
    )

    def __init__(self, *args: object, today: datetime.date | None = None, **kwargs: object):
        self.today = today or timezone.localdate()
        default_start, default_end = default_range(self.today)
        kwargs.setdefault("initial", {"start": default_start, "end": default_end})
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        default_start, default_end = default_range(self.today)
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        if "start" in data and "end" in data:
            if end < start:
                raise forms.ValidationError(
                    RANGE_REVERSED.format(start=dates.day(start), end=dates.day(end))
                )
            weeks = len(periods.weeks_between(start, end))
            if self.max_weeks is not None and weeks > self.max_weeks:
                raise forms.ValidationError(RANGE_TOO_LONG.format(weeks=self.max_weeks))
        project, client = data.get("project"), data.get("client")
        if project is not None and client is not None and project.client_id != client.pk:
            self.add_error(
                "project", PROJECT_NOT_OF_CLIENT.format(project=project.name, client=client)
            )
        data["start"], data["end"] = start, end
        return data

    def get_filters(self) -> TimecardFilters | None:
        """The filters to report with: the defaults when nothing was asked, ``None`` if invalid."""
        if not self.is_bound:
            start, end = default_range(self.today)
            return TimecardFilters(start=start, end=end)
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return TimecardFilters(
            start=data["start"],
            end=data["end"],
            user_id=data["person"].pk if data["person"] else None,
            client_id=data["client"].pk if data["client"] else None,
            project_id=data["project"].pk if data["project"] else None,
            status=data["status"] or None,
        )

    def error_text(self) -> str:
        """Every error as plain lines, for responses that are not HTML (the CSV's 400)."""
        lines = []
        for name, errors in self.errors.items():
            label = "" if name == NON_FIELD_ERRORS else f"{self[name].label}: "
            lines.extend(f"{label}{error}" for error in errors)
        return "\n".join(lines)


class HoursFilterForm(TimecardFilterForm):
    """The hours page draws a column per week, so its range is kept to half a year."""

    max_weeks = 26
