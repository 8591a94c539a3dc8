"""Invoice generation run twice at once: each timecard billed once, every number unique.

Two real threads with their own database connections; a barrier starts them together.
On SQLite the IMMEDIATE transactions queue them; on PostgreSQL the row locks of
``select_for_update`` do, and the unique invoice number backs both.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from accounts.factories import UserFactory
from timetrack import services
from timetrack.factories import InvoiceFactory, ProjectFactory, TimecardFactory
from timetrack.models import Invoice, Timecard, TimecardStatus

pytestmark = pytest.mark.django_db(transaction=True)

MARCH = (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))


def _approved_time(user, project, days=(3, 4, 5)) -> list[Timecard]:
    return [
        TimecardFactory(
            user=user,
            project=project,
            date=datetime.date(2025, 3, day),
            hours=Decimal("7.50"),
            approved=True,
        )
        for day in days
    ]


def _generate_concurrently(requests: list[dict]) -> list[Invoice | Exception]:
    barrier = threading.Barrier(len(requests))
    outcomes: list[Invoice | Exception] = [None] * len(requests)

    def run(index: int, arguments: dict) -> None:
        barrier.wait()
        try:
            outcomes[index] = services.invoice_generate(
                period_start=MARCH[0],
                period_end=MARCH[1],
                issued_on=datetime.date(2025, 4, 2),
                **arguments,
            )
        except Exception as error:  # the test asserts on what each thread got
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_the_same_period_generated_twice_at_once_is_billed_once():
    user = UserFactory()
    project = ProjectFactory()
    cards = _approved_time(user, project)
    request = {"user": user, "client": project.client, "requested_by": user}

    outcomes = _generate_concurrently([request, request])

    invoices = [outcome for outcome in outcomes if isinstance(outcome, Invoice)]
    refusals = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(invoices) == 1, outcomes
    assert len(refusals) == 1, outcomes
    assert "no approved billable time" in refusals[0].messages[0]
    assert Invoice.objects.count() == 1
    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("7.50") * 3 * user.profile.hourly_rate
    assert set(invoice.timecards.values_list("pk", flat=True)) == {card.pk for card in cards}
    assert not Timecard.objects.exclude(status=TimecardStatus.INVOICED).exists()


def test_invoices_generated_at_once_for_different_people_get_different_numbers():
    project = ProjectFactory()
    people = UserFactory.create_batch(3)
    for person in people:
        _approved_time(person, project)
    requests = [
        {"user": person, "client": project.client, "requested_by": person} for person in people
    ]

    outcomes = _generate_concurrently(requests)

    assert all(isinstance(outcome, Invoice) for outcome in outcomes), outcomes
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == ["INV-2025-00001", "INV-2025-00002", "INV-2025-00003"]


def test_a_number_taken_meanwhile_is_skipped(monkeypatch):
    """The race's losing side, made deterministic: the computed number is already used."""
    user = UserFactory()
    project = ProjectFactory()
    _approved_time(user, project)
    InvoiceFactory(number="INV-2025-00007")
    computed = iter(["INV-2025-00007", "INV-2025-00008"])
    monkeypatch.setattr(services, "_next_invoice_number", lambda year: next(computed))

    invoice = services.invoice_generate(
        user=user,
        client=project.client,
        period_start=MARCH[0],
        period_end=MARCH[1],
        requested_by=user,
        issued_on=datetime.date(2025, 4, 2),
    )

    assert invoice.number == "INV-2025-00008"
    assert invoice.timecards.count() == 3
