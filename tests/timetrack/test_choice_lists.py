"""Option lists kept between requests: reused while their rows are unchanged, read
again when a row is added, removed or leaves the list, within ``MAX_AGE_SECONDS`` after
a rename, and at once for whoever wrote lately."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.factories import UserFactory
from core.routing import read_your_writes
from timetrack import choice_lists
from timetrack.forms import person_label

pytestmark = pytest.mark.django_db

FIELDS = ("pk", "username", "first_name", "last_name")


def _people() -> list[tuple]:
    """The list as another request reads it: one that wrote nothing (the test's own
    writes would make it read afresh, as whoever wrote lately does)."""
    read_your_writes.forget()
    queryset = get_user_model().objects.order_by("username")
    return choice_lists.choices(queryset, FIELDS, person_label)


def _list_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"username"' in q["sql"]]


def test_a_list_is_read_once_while_its_table_is_unchanged():
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    assert _people() == [(ada.pk, "Ada Lovelace (ada)")]
    with CaptureQueriesContext(connection) as queries:
        assert _people() == [(ada.pk, "Ada Lovelace (ada)")]
    assert _list_queries(queries) == []


def test_a_person_added_or_removed_shows_at_once():
    ada = UserFactory(username="ada", first_name="", last_name="")
    assert _people() == [(ada.pk, "ada")]
    bob = UserFactory(username="bob", first_name="", last_name="")
    assert _people() == [(ada.pk, "ada"), (bob.pk, "bob")]
    ada.delete()
    assert _people() == [(bob.pk, "bob")]


def test_a_person_deactivated_leaves_the_list_of_active_people_at_once():
    ada = UserFactory(username="ada", first_name="", last_name="")
    bob = UserFactory(username="bob", first_name="", last_name="")
    active = get_user_model().objects.filter(is_active=True).order_by("username")
    assert choice_lists.choices(active, FIELDS, person_label) == [(ada.pk, "ada"), (bob.pk, "bob")]
    get_user_model().objects.filter(pk=ada.pk).update(is_active=False)
    assert choice_lists.choices(active, FIELDS, person_label) == [(bob.pk, "bob")]


def test_whoever_wrote_lately_reads_the_list_afresh():
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    assert _people() == [(ada.pk, "Ada Lovelace (ada)")]
    get_user_model().objects.filter(pk=ada.pk).update(last_name="King")
    assert _people() == [(ada.pk, "Ada Lovelace (ada)")], "someone else's rename: kept"
    read_your_writes.note_write()  # this caller made the rename
    queryset = get_user_model().objects.order_by("username")
    assert choice_lists.choices(queryset, FIELDS, person_label) == [(ada.pk, "Ada King (ada)")]


def test_a_rename_shows_once_the_list_is_older_than_its_age(monkeypatch):
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    assert _people() == [(ada.pk, "Ada Lovelace (ada)")]
    get_user_model().objects.filter(pk=ada.pk).update(last_name="King")
    assert _people() == [(ada.pk, "Ada Lovelace (ada)")], "kept: count and id unchanged"
    monkeypatch.setattr(choice_lists, "MAX_AGE_SECONDS", 0.0)
    assert _people() == [(ada.pk, "Ada King (ada)")]


def test_each_query_keeps_its_own_list_and_the_oldest_are_dropped(monkeypatch):
    UserFactory(username="ada")
    UserFactory(username="bob")
    users = get_user_model().objects
    by_name = choice_lists.choices(users.order_by("username"), FIELDS, person_label)
    reversed_ = choice_lists.choices(users.order_by("-username"), FIELDS, person_label)
    assert by_name == reversed_[::-1]

    monkeypatch.setattr(choice_lists, "MAX_LISTS", 1)
    choice_lists.choices(users.filter(username="ada"), FIELDS, person_label)
    with CaptureQueriesContext(connection) as queries:
        choice_lists.choices(users.order_by("username"), FIELDS, person_label)
    assert len(_list_queries(queries)) == 1, "dropped to keep one list, so read again"
