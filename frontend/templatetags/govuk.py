"""Template helpers that render Django form fields with GOV.UK Design System markup."""

from __future__ import annotations

import copy

from django import forms, template
from django.utils.formats import number_format
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext

from matching.words import said_after as words_said_after

register = template.Library()


def _kind(bound: forms.BoundField) -> str:
    widget = bound.field.widget
    # CheckboxSelectMultiple is a subclass of RadioSelect: test it first, or "choose all that
    # apply" would be drawn as radios and keep only one answer.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.filter
def field_kind(bound: forms.BoundField) -> str:
    return _kind(bound)


@register.filter
def anchor_id(bound: forms.BoundField) -> str:
    """The id the error summary links to: the input itself, or the first radio or checkbox."""
    if _kind(bound) in ("radios", "checkboxes"):
        return f"{bound.auto_id}_0"
    return bound.auto_id


@register.simple_tag
def govuk_widget(
    bound: forms.BoundField, extra_class: str = "", hint: str = "", no_hint: bool = False
) -> str:
    """Render a text input, textarea or select with GOV.UK classes, hint and error wiring.

    Placeholders are dropped (the GOV.UK Design System puts examples in hints instead) and
    the browser's own validation is left to the form's `novalidate`.
    """
    kind = _kind(bound)
    widget = copy.deepcopy(bound.field.widget)
    widget.attrs.pop("placeholder", None)
    base = {"textarea": "govuk-textarea", "select": "govuk-select"}.get(kind, "govuk-input")
    classes = [base]
    if bound.errors:
        classes.append(f"{base}--error")
    if extra_class:
        classes.append(extra_class)
    described = []
    if hint or (bound.help_text and not no_hint):
        described.append(f"{bound.auto_id}-hint")
    if bound.errors:
        described.append(f"{bound.auto_id}-error")
    attrs = {"class": " ".join(classes)}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if kind == "textarea":
        attrs.setdefault("rows", widget.attrs.get("rows", 5))
        if character_limit(bound):
            # Never cut what people type: the character count says when it is too long, and
            # the form refuses it with an error (GOV.UK character count).
            widget.attrs.pop("maxlength", None)
            attrs["class"] += " govuk-js-character-count"
            attrs["aria-describedby"] = " ".join([*described, f"{bound.auto_id}-info"])
    return bound.as_widget(widget=widget, attrs=attrs)


@register.filter
def character_limit(bound: forms.BoundField) -> int | None:
    """The most characters a long text field takes, shown with a character count."""
    if _kind(bound) != "textarea":
        return None
    return getattr(bound.field, "max_length", None) or None


# CLDR plural categories, each with a number that falls in it (Welsh uses all six). The count
# in GOV.UK's character count picks its words by the page's language with Intl.PluralRules.
_PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 6, "other": 4}


def _count_words(n: int) -> dict[str, str]:
    return {
        "characters-under-limit": ngettext(
            "You have {count} character remaining", "You have {count} characters remaining", n
        ),
        "characters-over-limit": ngettext(
            "You have {count} character too many", "You have {count} characters too many", n
        ),
        "textarea-description": ngettext(
            "You can enter up to {count} character", "You can enter up to {count} characters", n
        ),
    }


@register.simple_tag
def character_count_attrs(bound: forms.BoundField) -> str:
    """The data attributes of a GOV.UK character count: the limit and its words in the
    language of the page (`data-i18n.*`, `%{count}` being where the component puts the
    number)."""
    limit = character_limit(bound)
    attrs = {"data-module": "govuk-character-count", "data-maxlength": str(limit)}
    for category, n in _PLURAL_SAMPLES.items():
        for key, words in _count_words(n).items():
            attrs[f"data-i18n.{key}.{category}"] = words.replace("{count}", "%{count}")
    attrs["data-i18n.characters-at-limit"] = gettext("You have 0 characters remaining")
    return format_html_join(" ", '{}="{}"', attrs.items())


@register.simple_tag
def character_count_message(bound: forms.BoundField) -> str:
    """What the count says before any script runs (and all it says without JavaScript)."""
    limit = character_limit(bound) or 0
    return ngettext(
        "You can enter up to %(count)s character",
        "You can enter up to %(count)s characters",
        limit,
    ) % {"count": number_format(limit, force_grouping=True)}


@register.simple_tag
def form_errors(*forms_: forms.BaseForm) -> list[tuple[str, str]]:
    """(href, message) pairs for an error summary over one or more forms (or formsets)."""
    items: list[tuple[str, str]] = []
    for form in forms_:
        if form is None:
            continue
        if isinstance(form, forms.BaseFormSet):
            # An error of the rows as a whole (times that overlap) links to the first row.
            first_row = next(iter(form.forms), None)
            first = next(iter(first_row.visible_fields()), None) if first_row else None
            for error in form.non_form_errors():
                items.append((f"#{anchor_id(first)}" if first else "#main-content", error))
            for sub in form.forms:
                items.extend(form_errors(sub))
            continue
        for error in form.non_field_errors():
            first = next(iter(form.visible_fields()), None)
            items.append((f"#{anchor_id(first)}" if first else "#main-content", error))
        for bound in form.visible_fields():
            for error in bound.errors:
                items.append((f"#{anchor_id(bound)}", error))
    return items


@register.filter
def said_after(words) -> str:
    """`{{ day|said_after }}` where a sentence puts a day or a kind of help after "on", "to"
    or "of": mutated as Welsh needs it there (`matching.words.said_after`)."""
    return words_said_after(str(words))


@register.simple_tag
def describedby(*ids: str) -> str:
    return " ".join(i for i in ids if i)


@register.simple_tag
def html_attrs(mapping: dict) -> str:
    return format_html_join(" ", '{}="{}"', mapping.items())
