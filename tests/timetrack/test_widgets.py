"""``LongSelect`` writes what ``forms.Select`` writes, without its per-option templates."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from timetrack.factories import ClientFactory
from timetrack.models import Client
from timetrack.widgets import LongSelect, _options

CHOICES = [
    ("", "Everyone"),
    ("1", "Ada Lovelace (ada)"),
    ("2", 'Bobby "Tables" <script>'),
    ("3", "Chloé & Co"),
]


def both(field_kwargs: dict, data: dict | None = None) -> tuple[str, str]:
    """The same field rendered by forms.Select and by LongSelect, in a bound form."""

    class WithSelect(forms.Form):
        person = forms.ChoiceField(widget=forms.Select, **field_kwargs)

    class WithLongSelect(forms.Form):
        person = forms.ChoiceField(widget=LongSelect, **field_kwargs)

    return str(WithSelect(data)["person"]), str(WithLongSelect(data)["person"])


@pytest.mark.parametrize(
    ("field_kwargs", "data"),
    [
        ({"choices": CHOICES, "required": False}, None),
        ({"choices": CHOICES, "required": False}, {"person": "2"}),
        ({"choices": CHOICES, "required": True}, {"person": ""}),  # invalid: aria-invalid
        ({"choices": CHOICES[1:], "required": True}, {"person": "3"}),
        (
            {"choices": [*CHOICES, ("2", "the same value twice")], "required": False},
            {"person": "2"},
        ),
    ],
)
def test_renders_the_same_html_as_select(field_kwargs, data):
    select, long_select = both(field_kwargs, data)
    assert parse_html(long_select) == parse_html(select)


def test_labels_and_values_are_escaped():
    _, long_select = both({"choices": [("<b>", 'Bobby "Tables" <script>')], "required": False})
    assert "<script>" not in long_select
    assert "&lt;script&gt;" in long_select and "&quot;Tables&quot;" in long_select
    assert 'value="&lt;b&gt;"' in long_select


def test_grouped_choices_are_left_to_select():
    grouped = [("Team", [("1", "Ada"), ("2", "Bob")]), ("3", "Chloé")]
    select, long_select = both({"choices": grouped, "required": False}, {"person": "2"})
    assert "<optgroup" in long_select
    assert parse_html(long_select) == parse_html(select)


@pytest.mark.django_db
def test_renders_a_model_choice_field_as_select_does():
    chosen = ClientFactory(name="Initech <& Co>")
    ClientFactory(name="Acme")

    def form(widget):
        class Filter(forms.Form):
            client = forms.ModelChoiceField(
                queryset=Client.objects.order_by("name"), required=False, widget=widget
            )

        return Filter({"client": str(chosen.pk)})

    assert parse_html(str(form(LongSelect)["client"])) == parse_html(
        str(form(forms.Select)["client"])
    )


def test_a_remembered_list_selects_afresh_each_time():
    """The options are kept written between renders; the selection is not kept with them."""
    kwargs = {"choices": CHOICES, "required": False}
    for data in ({"person": "2"}, {"person": "3"}, None, {"person": "2"}):
        select, long_select = both(kwargs, data)
        assert parse_html(long_select) == parse_html(select)
        assert long_select.count(" selected") == 1


def test_a_safe_label_and_a_plain_one_of_the_same_text_are_kept_apart():
    text = "<b>Ada</b>"
    _, plain = both({"choices": [("1", text)], "required": False})
    _, safe = both({"choices": [("1", mark_safe(text))], "required": False})
    _, plain_again = both({"choices": [("1", text)], "required": False})
    assert "&lt;b&gt;Ada" in plain and plain_again == plain
    assert "<b>Ada</b>" in safe


@pytest.mark.parametrize(
    ("choices", "data"),
    [
        ([(None, "Nobody"), ("1", "Ada")], None),  # None written as "", selected unbound
        ([(None, "Nobody"), ("1", "Ada")], {"person": "1"}),
        ([(mark_safe('a"b'), "Quoted"), ("1", "Ada")], {"person": 'a"b'}),  # safe, unescaped
    ],
)
def test_none_and_safe_values_are_written_and_selected_as_select_does(choices, data):
    select, long_select = both({"choices": choices, "required": False}, data)
    assert parse_html(long_select) == parse_html(select)


def test_lazy_labels_are_written_in_the_language_of_the_request():
    choices = [("", gettext_lazy("Today")), ("1", gettext_lazy("January"))]  # Django's own
    for language in ("de", "en", "de"):
        with translation.override(language):
            select, long_select = both({"choices": choices, "required": False})
            assert parse_html(long_select) == parse_html(select)
    with translation.override("de"):
        assert "Januar" in both({"choices": choices, "required": False})[1]


def test_a_list_written_once_is_reused():
    kwargs = {"choices": [*CHOICES, ("4", "only in this test")], "required": False}
    both(kwargs)
    hits = _options.cache_info().hits
    both(kwargs, {"person": "4"})
    assert _options.cache_info().hits == hits + 1
