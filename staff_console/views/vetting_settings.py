"""The council's vetting settings: when expiry warnings go out, the renewal window and the
DBS re-check interval, and the checks each kind of help needs in the council's area beyond
Kith's own (never less: the legal floor and Kith's defaults always apply)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from marketplace import selectors as marketplace_selectors
from marketplace import vetting as marketplace_vetting
from marketplace.models import Category
from staff_console.access import staff_view
from staff_console.vetting_settings_forms import CategoryRequirementsForm, VettingSettingsForm
from staff_console.views.base import C, call_service, render_staff
from trust import vetting as trust_vetting
from trust.models import HelperCheck


def _rows(request, *, failed: tuple[str, CategoryRequirementsForm] | None = None) -> list[dict]:
    council = request.staff_council
    rows = []
    for category in marketplace_selectors.categories_active():
        kith = marketplace_vetting.kith_requirements_of(category)
        here = marketplace_vetting.requirements_of(category=category, council=council)
        added = [kind for kind in here if kind not in kith]
        form = (
            failed[1]
            if failed and failed[0] == category.slug
            else CategoryRequirementsForm(initial={"kinds": added}, prefix=category.slug)
        )
        rows.append(
            {
                "category": category,
                "kith": [_words(kind, count) for kind, count in kith.items()],
                "added": [_words(kind, here[kind]) for kind in added],
                "form": form,
            }
        )
    return rows


def _words(kind: str, count: int) -> str:
    label = HelperCheck.Kind(kind).label
    return f"{count} {label.lower()}s" if count > 1 else label


def _page(request, *, form=None, failed=None, status=200):
    current = trust_vetting.vetting_settings(request.staff_council)
    form = form or VettingSettingsForm(
        initial={
            "warn_days": ", ".join(str(d) for d in current.warn_days),
            "renewal_window_days": current.renewal_window_days,
            "recheck_every_days": current.recheck_every_days,
        }
    )
    return render_staff(
        request,
        "vetting_settings.html",
        {"form": form, "rows": _rows(request, failed=failed)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.COUNCIL_SETTINGS)
def vetting_settings(request):
    if request.method == "GET":
        return _page(request)
    form = VettingSettingsForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: trust_vetting.vetting_settings_update(actor=request.user, **form.cleaned_data),
    ):
        messages.success(request, "Vetting settings saved.")
        return redirect("staff:vetting_settings")
    return _page(request, form=form, status=400)


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def category_requirements(request, slug: str):
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise Http404("Not found.")
    form = CategoryRequirementsForm(request.POST, prefix=slug)
    if form.is_valid() and call_service(
        form,
        lambda: (
            marketplace_vetting.council_requirements_set(
                actor=request.user, category=category, kinds=form.cleaned_data["kinds"]
            )
            is not None
        ),
    ):
        messages.success(request, f"Checks for {category.name.lower()} saved.")
        return redirect("staff:vetting_settings")
    return _page(request, failed=(slug, form), status=400)
