"""A ``<select>`` for long lists of choices, such as everyone in the company.

Django renders each ``<option>`` through a template of its own (an include, an attrs
loop and a few lookups). The person filters list every user, so on a site of hundreds
of people the options cost a report page more than its own SQL (BENCHMARKS.md has the
profile). ``LongSelect`` writes the same elements in Python, escaping labels and values
as the template does.
"""

from __future__ import annotations

import functools
import html
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

OPTION_LISTS_KEPT = 16
"""How many lists of options ``LongSelect`` keeps written, the least recently used
dropped first: a page has a few long selects, and a list that changes (someone joins)
is kept anew while its old markup ages out."""


class LongSelect(forms.Select):
    """A single-choice ``<select>`` written without a template per option.

    It renders the same DOM as ``forms.Select`` for flat choices (attributes, the
    selected option, escaping), though not byte for byte: no newlines between options,
    boolean attributes last. It does not use the form renderer, so an overridden
    ``django/forms/widgets/select.html`` does not apply to it. Grouped choices
    (optgroups) and a multiple choice go through ``forms.Select`` itself.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        if self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        # The key holds each value and label as text with its type: a label marked safe
        # and a plain one of the same text are written differently. iter(): list()
        # would first ask a ModelChoiceIterator its len(), a COUNT query.
        texts = []
        for option_value, label in iter(self.choices):
            if isinstance(label, (list, tuple)):  # a group: forms.Select writes optgroups
                return super().render(name, value, attrs, renderer)
            option_value = "" if option_value is None else str(option_value)
            label = str(label)
            texts.append((option_value, label, type(option_value), type(label)))
        options, value_ends = _options(tuple(texts))
        # forms.Select selects the first option whose value is one of the selected.
        ends = [value_ends[value] for value in self.format_value(value) if value in value_ends]
        if ends:
            at = min(ends)
            options = options[:at] + " selected" + options[at:]
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            # Every value and label in these options was escaped by _options.
            mark_safe(options),
        )


@functools.lru_cache(maxsize=OPTION_LISTS_KEPT)
def _options(texts: tuple[tuple[str, str, type, type], ...]) -> tuple[str, dict[str, int]]:
    """The options' markup, none selected, and for each value where its first option's
    ``value`` attribute ends: where ``selected`` goes when it is chosen.

    Remembered: a page's long lists (everyone, every project) are the same from one
    request to the next, and escaping their hundreds of labels was most of their cost.
    """
    value_ends: dict[str, int] = {}
    written = 0
    options = []
    for value, label, _, _ in texts:
        head = f'<option value="{_escape(value)}"'
        value_ends.setdefault(value, written + len(head))
        option = f"{head}>{_escape(label)}</option>"
        options.append(option)
        written += len(option)
    return "".join(options), value_ends


def _escape(text: Any) -> str:
    """``conditional_escape`` without the lazy-string wrapper of Django's ``escape``, whose
    check runs once per option: safe strings as they are, anything else through
    ``html.escape`` (what ``escape`` calls)."""
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text))
