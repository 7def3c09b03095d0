"""Every 'choose all that apply' question is drawn as checkboxes: Django's
CheckboxSelectMultiple is a subclass of RadioSelect, and drawing it as radios kept only one
answer (a vegetarian who also eats halal was saved as halal only)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms

import frontend
import staff_console
from frontend.templatetags.govuk import field_kind


def _form_modules():
    """Every module of forms in the two rooms that draw them (`forms.py`, `need_forms.py`,
    `assisted_forms.py`, ...), found by name, so a module split off later is checked too."""
    for package in (frontend, staff_console):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.endswith("forms"):
                yield importlib.import_module(f"{package.__name__}.{info.name}")


def _multiple_choice_fields():
    for module in _form_modules():
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
    # Staff asking for someone offline ask the same questions.
    assert any(i.startswith("AssistedNeedForm.") for i in ids)
    modules = {m.__name__ for m in _form_modules()}
    assert {"frontend.forms", "frontend.need_forms", "staff_console.assisted_forms"} <= modules


@pytest.mark.parametrize(("form_class", "field_name"), FIELDS)
def test_choose_all_that_apply_is_drawn_as_checkboxes(form_class, field_name):
    field = form_class.base_fields[field_name]
    bound = forms.BoundField(forms.Form(), field, field_name)
    assert field_kind(bound) == "checkboxes"


def test_single_choices_stay_radios():
    field = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    assert field_kind(forms.BoundField(forms.Form(), field, "one")) == "radios"
