"""The council's vetting settings: when expiry warnings go out, the renewal window and the
DBS re-check interval, and the checks each kind of help needs in the council's area beyond
Kith's own (never less: the legal floor and Kith's defaults always apply)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from marketplace import selectors as marketplace_selectors
from marketplace import vetting as marketplace_vetting
from marketplace.models import Category
from safeguarding import lapses
from staff_console.access import staff_view
from staff_console.vetting_settings_forms import CategoryRequirementsForm, VettingSettingsForm
from staff_console.views.base import C, call_service, render_staff
from trust import vetting as trust_vetting
from trust.models import HelperCheck


def _rows(
    request,
    *,
    failed: tuple[str, CategoryRequirementsForm] | None = None,
    preview: lapses.RequirementsPreview | None = None,
) -> list[dict]:
    council = request.staff_council
    rows = []
    for category in marketplace_selectors.categories_active():
        kith = marketplace_vetting.kith_requirements_of(category)
        here = marketplace_vetting.requirements_of(category=category, council=council)
        always = marketplace_vetting.always_required(category)
        added = [kind for kind in here if kind not in always]
        this = bool(failed and failed[0] == category.slug)
        form = (
            failed[1]
            if failed and this
            else CategoryRequirementsForm(
                initial={"kinds": added}, prefix=category.slug, always=always
            )
        )
        rows.append(
            {
                "category": category,
                "kith": [_words(kind, count) for kind, count in kith.items()],
                "included": [
                    HelperCheck.Kind(kind).label
                    for kind in HelperCheck.Kind.values
                    if kind in always and kind not in kith
                ],
                "added": [_words(kind, here[kind]) for kind in added],
                "form": form,
                "preview": preview if this else None,
            }
        )
    return rows


def _words(kind: str, count: int) -> str:
    label = str(HelperCheck.Kind(kind).label)
    if count < 2:
        return label
    # Translators: how many of one check a kind of help needs, e.g. "2 references" (the
    # check's name with an English plural "s"); Welsh may write it as "2 × geirda".
    return _("%(count)s %(check)ss") % {"count": count, "check": label.lower()}


def _page(request, *, form=None, failed=None, preview=None, status=200):
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
        {"form": form, "rows": _rows(request, failed=failed, preview=preview)},
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
        messages.success(request, _("Vetting settings saved."))
        return redirect("staff:vetting_settings")
    return _page(request, form=form, status=400)


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def category_requirements(request, slug: str):
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise Http404("Not found.")
    form = CategoryRequirementsForm(
        request.POST, prefix=slug, always=marketplace_vetting.always_required(category)
    )
    if not form.is_valid():
        return _page(request, failed=(slug, form), status=400)
    kinds = form.cleaned_data["kinds"]
    if form.cleaned_data["confirmed"] != CategoryRequirementsForm.told(kinds):
        # Say what saving does before anything is saved: the open offers it pauses.
        preview = lapses.category_requirements_preview(
            council=request.staff_council, category=category, kinds=kinds
        )
        if preview.offers:
            confirm = CategoryRequirementsForm(
                initial={"kinds": kinds, "confirmed": CategoryRequirementsForm.told(kinds)},
                prefix=slug,
                always=marketplace_vetting.always_required(category),
            )
            return _page(request, failed=(slug, confirm), preview=preview)
    result = call_service(
        form,
        lambda: lapses.category_requirements_change(
            actor=request.user, category=category, kinds=kinds
        ),
    )
    if result is None:
        return _page(request, failed=(slug, form), status=400)
    messages.success(
        request, _("Checks for %(name)s saved.") % {"name": category.local_name.lower()}
    )
    if result.paused:
        messages.warning(
            request,
            _(
                "Open offers paused: %(offers)d. Live matches held for your review: "
                "%(matches)d. Their helpers are told the council now asks for the check."
            )
            % {"offers": len(result.paused), "matches": len(result.held)},
        )
    return redirect("staff:vetting_settings")
