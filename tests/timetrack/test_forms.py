"""The timecard site's own form fields: the person list reads everyone in one query."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.factories import UserFactory
from core.routing import read_your_writes
from timetrack.forms import PersonChoiceField


@pytest.mark.django_db
def test_person_field_reads_everyone_as_values_once_then_only_the_version():
    people = [
        UserFactory(first_name="Ada", last_name="Lovelace"),
        UserFactory(first_name="", last_name=""),
    ]

    class Filter(forms.Form):
        person = PersonChoiceField(
            queryset=get_user_model().objects.order_by("username"), required=False
        )

    read_your_writes.forget()  # as a request that wrote nothing: the list may be kept
    with CaptureQueriesContext(connection) as queries:
        html = str(Filter()["person"])
    with CaptureQueriesContext(connection) as again:
        assert str(Filter()["person"]) == html

    lists = [query["sql"] for query in queries if '"username"' in query["sql"]]
    assert len(lists) == 1 and "COUNT" not in lists[0].upper()
    assert len(queries) == 2, "the list, and its table's version (choice_lists)"
    assert len(again) == 1 and '"username"' not in again[0]["sql"], "the version only"
    assert f'<option value="{people[0].pk}">Ada Lovelace ({people[0].username})</option>' in html
    assert f'<option value="{people[1].pk}">{people[1].username}</option>' in html
