"""Forms of the timecard and invoice pages.

Forms check what a person typed (a number of hours, a date, a month); the business
rules live in ``timetrack.services``, which the views call with ``cleaned_data``. A
``ValidationError`` a service raises is put back on the form with
``add_service_error`` so it reads like any other form error and nothing is saved.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone

from presentation import numbers
from timetrack import choice_lists, periods, selectors
from timetrack.date_bounds import BoundedDateField, refuse_out_of_range
from timetrack.models import (
    DESCRIPTION_NEEDED,
    MAX_HOURS_PER_DAY,
    Client,
    InvoiceStatus,
    Project,
    Timecard,
    TimecardStatus,
    validate_quarter_hours,
)
from timetrack.widgets import LongSelect

HOURS_NOT_POSITIVE = "Hours must be more than 0."
HOURS_OVER_A_DAY = f"A day has at most {numbers.hours(MAX_HOURS_PER_DAY)} hours."
HOURS_DECIMAL_PLACES = "Hours take at most 2 decimal places, e.g. 7.25."
MONTH_INVALID = "Enter a month as YYYY-MM, e.g. 2025-03."


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates, which DateField accepts."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on ``form``: on its field when it has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            form.add_error(target, messages)
    else:
        form.add_error(None, error.messages)


def previous_month(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """First and last day of the month before ``today``: the usual invoicing period."""
    return periods.previous_month(today or timezone.localdate())


def person_label(username: str, first_name: str, last_name: str) -> str:
    """ "Ada Lovelace (ada)", or the username alone for someone without a name."""
    full_name = f"{first_name} {last_name}".strip()
    return f"{full_name} ({username})" if full_name else username


class ValuesChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a ``ValuesChoiceField``: each key and label read as plain values.

    A ``ModelChoiceIterator`` builds a whole model instance for each option (on
    PostgreSQL through a server-side cursor: three round trips), hundreds per page for
    the person lists; an option needs only its key and the fields of its label. A long
    list (``kept_between_requests``) is kept while its table is unchanged
    (``choice_lists``). The chosen object is still looked up as an instance when the
    form is cleaned.
    """

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        fields = (self.field.to_field_name or "pk", *self.field.label_fields)
        label = self.field.label_from_values
        if self.field.kept_between_requests:
            yield from choice_lists.choices(self.queryset, fields, label)
            return
        for value, *rest in self.queryset.values_list(*fields):
            yield (value, label(*rest))


class ValuesChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose options are labelled from values, not instances.

    ``label_fields`` names the fields the label is made of (related ones too, such as
    ``"client__name"``); ``label_from_values`` makes the label of one option from
    them (by default they are joined by " / "). ``LongSelect`` writes the options.
    """

    iterator = ValuesChoiceIterator
    widget = LongSelect
    label_fields: tuple[str, ...] = ()
    kept_between_requests = False
    """Keep the list between requests (``choice_lists``): worth it for a long list,
    whose version query costs a fraction of reading it; a short one costs the same."""

    def __init__(self, *args: Any, label_fields: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label_fields:
            self.label_fields = label_fields

    def label_from_values(self, *values: Any) -> str:
        return " / ".join(str(value) for value in values)


class PersonChoiceField(ValuesChoiceField):
    """Users by full name, with the username to tell namesakes apart.

    Everyone is a choice, so the list is long: read as values (labels by
    ``person_label``, not ``label_from_instance``) and written by ``LongSelect``
    without a template per option (BENCHMARKS.md).
    """

    label_fields = ("username", "first_name", "last_name")
    kept_between_requests = True

    def label_from_values(self, *values: Any) -> str:
        return person_label(*values)


class TimecardForm(forms.Form):
    """Log time, or change an open timecard (``timecard=``)."""

    project = forms.ModelChoiceField(queryset=Project.objects.none(), empty_label="Choose…")
    date = BoundedDateField(widget=DateInput())
    hours = forms.DecimalField(
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.25", "min": "0.25", "max": numbers.plain_decimal(MAX_HOURS_PER_DAY)}
        ),
        error_messages={"max_decimal_places": HOURS_DECIMAL_PLACES},
        help_text=(
            f"Up to {numbers.hours(MAX_HOURS_PER_DAY)}, in hours: 7.5 is seven and a half hours."
        ),
    )
    description = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you worked on; billable time appears on the invoice with it.",
    )
    billable = forms.BooleanField(required=False, initial=True, label="Billable to the client")

    def __init__(self, *args: Any, timecard: Timecard | None = None, **kwargs: Any) -> None:
        if timecard is not None:
            kwargs.setdefault(
                "initial",
                {
                    "project": timecard.project_id,
                    "date": timecard.date,
                    "hours": timecard.hours,
                    "description": timecard.description,
                    "billable": timecard.billable,
                },
            )
        super().__init__(*args, **kwargs)
        self.timecard = timecard
        if timecard is None:
            # The id of this form: sent again (after an error page, or twice), it logs
            # the time once (services.timecard_create).
            self.fields["submission"] = forms.UUIDField(
                required=False, initial=uuid.uuid4, widget=forms.HiddenInput
            )
        # Closed projects take no new time, but a timecard already on one may keep it.
        active = Q(is_active=True)
        if timecard is not None:
            active |= Q(pk=timecard.project_id)
        self.fields["project"].queryset = Project.objects.filter(active).select_related("client")
        if timecard is None:
            self.fields["date"].initial = timezone.localdate

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        described = cleaned.get("description")  # missing when refused (too long)
        if cleaned.get("billable") and described is not None and not described.strip():
            self.add_error("description", DESCRIPTION_NEEDED)
        return cleaned

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        if hours <= 0:
            raise ValidationError(HOURS_NOT_POSITIVE, code="min_value")
        if hours > MAX_HOURS_PER_DAY:
            raise ValidationError(HOURS_OVER_A_DAY, code="max_value")
        validate_quarter_hours(hours)
        return hours


class TimecardFilterForm(forms.Form):
    """The status and month filters of the timecard list (GET)."""

    status = forms.ChoiceField(
        choices=[("", "All statuses"), *TimecardStatus.choices], required=False
    )
    month = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    )

    def clean_month(self) -> datetime.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        # Four digits of year first: int() of any run of digits would reach
        # datetime.date's limits (an OverflowError, not a ValueError).
        written = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        try:
            first_day = datetime.date(int(written[1]), int(written[2]), 1)
        except (TypeError, ValueError) as exc:  # TypeError: no match at all
            raise ValidationError(MONTH_INVALID, code="invalid") from exc
        refuse_out_of_range(first_day)
        return first_day

    def filters(self) -> dict[str, Any]:
        """The valid filters as selector keyword arguments; none if the input is bad."""
        if not self.is_valid():
            return {}
        return {"status": self.cleaned_data["status"], "month": self.cleaned_data["month"]}


class InvoiceFilterForm(forms.Form):
    """Status filter for everyone, person filter for staff (GET)."""

    person = PersonChoiceField(queryset=selectors.people(), required=False, empty_label="Everyone")
    status = forms.ChoiceField(
        choices=[("", "All statuses"), *InvoiceStatus.choices], required=False
    )

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not user.is_staff:
            del self.fields["person"]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {
            "person": self.cleaned_data.get("person"),
            "status": self.cleaned_data["status"],
        }


class InvoiceGenerateForm(forms.Form):
    """Bill a client for a period; staff may bill anyone's time, others their own."""

    person = PersonChoiceField(queryset=selectors.people(), empty_label=None)
    client = forms.ModelChoiceField(queryset=Client.objects.all(), empty_label="Choose…")
    period_start = BoundedDateField(widget=DateInput(), label="From")
    period_end = BoundedDateField(widget=DateInput(), label="To (inclusive)")

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start, end = previous_month()
        self.fields["period_start"].initial = start
        self.fields["period_end"].initial = end
        if user.is_staff:
            self.fields["person"].initial = user.pk
        else:
            del self.fields["person"]
