"""Every 'choose all that apply' question is drawn as checkboxes: Django's
CheckboxSelectMultiple is a subclass of RadioSelect, and drawing it as radios kept only one
answer (a vegetarian who also eats halal was saved as halal only)."""

from __future__ import annotations

import inspect

import pytest
from django import forms

import frontend.forms
import staff_console.forms
from frontend.templatetags.govuk import field_kind


def _multiple_choice_fields():
    for module in (frontend.forms, staff_console.forms):
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            ours = form_class.__module__ == module.__name__
            if not (ours and issubclass(form_class, forms.BaseForm)):
                continue
            for field_name, field in form_class.base_fields.items():
                if isinstance(field.widget, forms.CheckboxSelectMultiple):
                    yield pytest.param(form_class, field_name, id=f"{name}.{field_name}")


FIELDS = list(_multiple_choice_fields())


def test_the_forms_have_choose_all_that_apply_questions():
    ids = {p.id for p in FIELDS}
    assert any(i.endswith(".dietary_requirements") for i in ids)
    assert any(i.endswith(".dietary_capabilities") for i in ids)


@pytest.mark.parametrize(("form_class", "field_name"), FIELDS)
def test_choose_all_that_apply_is_drawn_as_checkboxes(form_class, field_name):
    field = form_class.base_fields[field_name]
    bound = forms.BoundField(forms.Form(), field, field_name)
    assert field_kind(bound) == "checkboxes"


def test_single_choices_stay_radios():
    field = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    assert field_kind(forms.BoundField(forms.Form(), field, "one")) == "radios"
