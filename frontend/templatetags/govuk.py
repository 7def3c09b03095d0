"""Template helpers that render Django form fields with GOV.UK Design System markup."""

from __future__ import annotations

import copy

from django import forms, template
from django.utils.html import format_html_join

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
    return bound.as_widget(widget=widget, attrs=attrs)


@register.simple_tag
def form_errors(*forms_: forms.BaseForm) -> list[tuple[str, str]]:
    """(href, message) pairs for an error summary over one or more forms (or formsets)."""
    items: list[tuple[str, str]] = []
    for form in forms_:
        if form is None:
            continue
        if isinstance(form, forms.BaseFormSet):
            for error in form.non_form_errors():
                items.append(("#main-content", error))
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


@register.simple_tag
def describedby(*ids: str) -> str:
    return " ".join(i for i in ids if i)


@register.simple_tag
def html_attrs(mapping: dict) -> str:
    return format_html_join(" ", '{}="{}"', mapping.items())
