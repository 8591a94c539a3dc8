"""What a client, project, timecard and invoice look like: factory-boy factories.

The one definition, used by ``manage.py seed`` (``timetrack.demo``, which passes what its
planner decided and keeps the rest) and by the tests (which let the factories fill in
what a test does not care about).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from accounts.factories import UserFactory
from timetrack import periods
from timetrack.models import Client, Invoice, InvoiceStatus, Project, Timecard, TimecardStatus


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Client {n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    code = factory.Sequence(lambda n: f"proj-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")


class TimecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Timecard

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    date = factory.LazyFunction(timezone.localdate)
    hours = Decimal("8.00")
    description = factory.Faker("sentence", nb_words=6)
    billable = True
    status = TimecardStatus.OPEN

    class Params:
        submitted = factory.Trait(
            status=TimecardStatus.SUBMITTED,
            submitted_at=factory.Faker("date_time_this_month", tzinfo=datetime.UTC),
        )
        approved = factory.Trait(
            status=TimecardStatus.APPROVED,
            submitted_at=factory.Faker("date_time_this_month", tzinfo=datetime.UTC),
            approved_at=factory.Faker("date_time_this_month", tzinfo=datetime.UTC),
        )


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice row on its own; bill real timecards with ``services.invoice_generate``."""

    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-2000-{n:05d}")
    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    period_start = factory.LazyFunction(lambda: periods.month_start(timezone.localdate()))
    period_end = factory.LazyFunction(timezone.localdate)
    issued_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyAttribute(
        lambda inv: inv.issued_on + datetime.timedelta(days=settings.INVOICE_PAYMENT_TERMS_DAYS)
    )
    status = InvoiceStatus.DRAFT
    total = Decimal("0.00")

    class Params:
        sent = factory.Trait(status=InvoiceStatus.SENT, sent_on=factory.SelfAttribute("issued_on"))
        paid = factory.Trait(
            status=InvoiceStatus.PAID,
            sent_on=factory.SelfAttribute("issued_on"),
            paid_on=factory.LazyAttribute(lambda inv: inv.issued_on + datetime.timedelta(days=14)),
        )
