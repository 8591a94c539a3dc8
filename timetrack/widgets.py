"""A ``<select>`` for long lists of choices, such as everyone in the company.

Django renders each ``<option>`` through a template of its own (an include, an attrs
loop and a few lookups). The person filters list every user, so on a site of hundreds
of people the options cost a report page more than its own SQL (BENCHMARKS.md has the
profile). ``LongSelect`` writes the same elements in Python, escaping labels and values
as the template does.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class LongSelect(forms.Select):
    """A single-choice ``<select>`` written without a template per option.

    It renders the same DOM as ``forms.Select`` for flat choices (attributes, the
    selected option, escaping), though not byte for byte: no newlines between options,
    boolean attributes last. It does not use the form renderer, so an overridden
    ``django/forms/widgets/select.html`` does not apply to it. Grouped choices
    (optgroups) go through ``forms.Select`` itself.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        # iter(): list() would first ask a ModelChoiceIterator its len(), a COUNT query.
        choices = [*iter(self.choices)]
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        selected = set(self.format_value(value))
        options = []
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            is_selected = option_value in selected
            if is_selected and not self.allow_multiple_selected:
                selected = set()  # forms.Select selects the first match only
            options.append(
                f'<option value="{_escape(option_value)}"{" selected" if is_selected else ""}>'
                f"{_escape(label)}</option>"
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            # Every value and label in these options was escaped by _escape.
            mark_safe("".join(options)),
        )


def _escape(text: Any) -> str:
    """``conditional_escape`` without the lazy-string wrapper of Django's ``escape``, whose
    check runs once per option: safe strings as they are, anything else through
    ``html.escape`` (what ``escape`` calls)."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))
