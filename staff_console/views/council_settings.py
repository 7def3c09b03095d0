"""Council settings: travel radius, auto-approval, whether the council speaks Welsh first,
whether urgent needs from people in good standing open at once, whom urgent alerts wake and
when idle helpers are asked "do you still want to help?", impact unit costs, ongoing help
(how long a check-in waits, how often "still need help?" is asked), and which categories are
on in the council's area."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import council_language
from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from arrangements import policy as arrangements_policy
from core.errors import ApplicationError, NotFound
from insights import impact as insights_impact
from marketplace import selectors as marketplace_selectors
from marketplace import services as marketplace_services
from marketplace import urgent as marketplace_urgent
from staff_console import forms
from staff_console import matching_settings_forms as matching_forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff


def _units_form(request, data=None):
    return forms.ImpactUnitsForm(
        data,
        categories=marketplace_selectors.categories_active(),
        units=insights_impact.impact_units(council=request.staff_council),
    )


def _ongoing_form(request, data=None):
    return forms.OngoingSettingsForm(
        data,
        initial={
            **arrangements_policy.ongoing_settings(request.staff_council),
            **arrangements_policy.council_checklists(request.staff_council),
        },
    )


def _urgent_form(request, data=None):
    return forms.UrgentNeedsSettingForm(
        data,
        initial={
            "open_urgent_needs_at_once": marketplace_urgent.opens_urgent_needs_at_once(
                request.staff_council
            )
        },
    )


def _matching_form(request, data=None):
    return matching_forms.MatchingSettingsForm(
        data, initial=matching_forms.matching_settings_initial(request.staff_council)
    )


def _settings_page(
    request,
    form,
    status=200,
    units_form=None,
    ongoing_form=None,
    urgent_form=None,
    matching_form=None,
):
    return render_staff(
        request,
        "settings.html",
        {
            "form": form,
            "form2": units_form or ongoing_form or urgent_form or matching_form,
            "units_form": units_form or _units_form(request),
            "ongoing_form": ongoing_form or _ongoing_form(request),
            "urgent_form": urgent_form or _urgent_form(request),
            "matching_form": matching_form or _matching_form(request),
            "categories": marketplace_selectors.categories_for(user=request.user),
        },
        status=status,
    )


def _settings_form(council):
    return forms.CouncilSettingsForm(
        initial={
            "max_travel_radius_m": council.max_travel_radius_m,
            "auto_approve_verified_helpers": council.auto_approve_verified_helpers,
            "contact_email": council.contact_email,
            "contact_phone": (council.settings or {}).get("contact_phone", ""),
            "welsh_first": accounts_selectors.council_is_welsh_first(council.pk),
        }
    )


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def impact_units(request):
    units_form = _units_form(request, request.POST)
    if units_form.is_valid() and call_service(
        units_form,
        insights_impact.impact_units_update,
        actor=request.user,
        unit_costs=units_form.units(),
    ):
        messages.success(request, _("Unit costs saved."))
        return redirect("staff:settings")
    return _settings_page(
        request, _settings_form(request.staff_council), status=400, units_form=units_form
    )


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def ongoing_settings(request):
    ongoing_form = _ongoing_form(request, request.POST)
    if ongoing_form.is_valid() and call_service(
        ongoing_form,
        arrangements_policy.ongoing_policy_update,
        actor=request.user,
        **ongoing_form.cleaned_data,
    ):
        messages.success(request, _("Settings for ongoing help saved."))
        return redirect("staff:settings")
    return _settings_page(
        request, _settings_form(request.staff_council), status=400, ongoing_form=ongoing_form
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.COUNCIL_SETTINGS)
def council_settings(request):
    council = request.staff_council
    if request.method == "GET":
        return _settings_page(request, _settings_form(council))
    if request.POST.get("section") == "urgent_needs":
        return _urgent_needs_setting(request)
    if request.POST.get("section") == "matching":
        return _matching_settings(request)
    form = forms.CouncilSettingsForm(request.POST)
    if form.is_valid() and _council_settings_save(request, form):
        messages.success(request, _("Settings saved."))
        return redirect("staff:settings")
    return _settings_page(request, form, status=400)


def _council_settings_save(request, form) -> bool:
    """The settings page's main form: the council's own settings, and whether it speaks Welsh
    first (changed, and audited, only when it changes), saved together or not at all."""
    data = dict(form.cleaned_data)
    welsh_first = bool(data.pop("welsh_first", False))
    with transaction.atomic():
        saved = call_service(
            form, accounts_services.council_settings_update, actor=request.user, **data
        )
        if saved and welsh_first != accounts_selectors.council_is_welsh_first(saved.pk):
            saved = call_service(
                form,
                council_language.welsh_first_update,
                actor=request.user,
                welsh_first=welsh_first,
            )
        if not saved:
            transaction.set_rollback(True)
    return bool(saved)


def _urgent_needs_setting(request):
    """The settings page's form for urgent needs (posted to the page itself, marked by its
    `section`)."""
    urgent_form = _urgent_form(request, request.POST)
    if urgent_form.is_valid() and call_service(
        urgent_form,
        marketplace_services.urgent_needs_setting_update,
        actor=request.user,
        **urgent_form.cleaned_data,
    ):
        messages.success(request, _("Setting for urgent needs saved."))
        return redirect("staff:settings")
    return _settings_page(
        request, _settings_form(request.staff_council), status=400, urgent_form=urgent_form
    )


def _matching_settings(request):
    """The settings page's form for urgent alerts and idle helpers (posted to the page itself,
    marked by its `section`): saved all together or not at all, a refusal shown beside its
    field."""
    matching_form = _matching_form(request, request.POST)
    if matching_form.is_valid():
        try:
            accounts_services.council_declared_settings_update(
                actor=request.user,
                verb="council.matching_settings_changed",
                declared=matching_forms.MATCHING_SETTINGS,
                values=matching_form.values(),
            )
        except NotFound:
            raise Http404("Not found.") from None
        except ApplicationError as exc:
            field = exc.code if exc.code in matching_form.fields else None
            matching_form.add_error(field, exc.message)
        else:
            messages.success(request, _("Settings for urgent alerts and idle helpers saved."))
            return redirect("staff:settings")
    return _settings_page(
        request, _settings_form(request.staff_council), status=400, matching_form=matching_form
    )


@require_POST
@staff_view(C.CATEGORY_SWITCHES)
def category_switch(request, slug: str):
    category = marketplace_selectors.category_by_slug(slug=slug, active_only=True)
    if category is None:
        raise Http404("Not found.")
    enabled = request.POST.get("enabled") == "on"
    try:
        marketplace_services.category_set_enabled(
            actor=request.user, category=category, enabled=enabled
        )
    except NotFound:
        raise Http404("Not found.") from None
    said = (
        _("%(category)s is now on in your area.")
        if enabled
        else _("%(category)s is now off in your area.")
    )
    messages.success(request, said % {"category": category.local_name})
    return redirect("staff:settings")
