"""Moderation: the review queue of needs and offers, one listing's page with approve and reject,
and reports with their decision."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as accounts_selectors
from core import audit as core_audit
from core.errors import ApplicationError, NotFound
from marketplace import selectors as marketplace_selectors
from marketplace import services as marketplace_services
from marketplace import vetting as marketplace_vetting
from marketplace.models import Need, Offer
from places.geo import postcode_sector
from safeguarding import reports as safeguarding_reports
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff
from trust import selectors as trust_selectors
from trust.models import Report


def _listing_of(*, council, kind: str, pk: int) -> Need | Offer:
    listing = marketplace_selectors.listing_of_council(council=council, kind=kind, listing_id=pk)
    if listing is None:
        raise Http404("Not found.")
    return listing


def _history(*, council, target_type: str, target_id: int):
    return list(
        core_audit.audit_events_for_council(
            council=council, target_type=target_type, target_id=target_id
        )[:100]
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.MODERATION)
def moderation_queue(request):
    user = request.user
    if request.method == "POST":
        return _approve_selected(request)

    filters = forms.ModerationFilterForm(request.GET or None)
    kind, category = "", None
    if filters.is_valid():
        kind = filters.cleaned_data["kind"]
        category = filters.cleaned_data["category"]
    needs = offers = reports = []
    if kind in ("", "need"):
        needs = marketplace_selectors.review_queue_needs(staff=user, category=category)
    if kind in ("", "offer"):
        offers = marketplace_selectors.review_queue_offers(staff=user, category=category)
    if kind in ("", "report") and category is None:
        reports = trust_selectors.reports_for_staff(staff=user)
    return render_staff(
        request,
        "moderation_queue.html",
        {
            "filters": filters,
            "needs": list(needs),
            "offers": list(offers),
            "reports": list(reports),
        },
    )


def _approve_selected(request):
    """The queue's "approve selected": each ticked item approved on its own, and what could
    not be approved said by name."""
    items = request.POST.getlist("items")
    if not items:
        messages.error(request, _("Select at least one item to approve."))
        return redirect(request.get_full_path())
    approved, problems = 0, []
    for item in items:
        kind, _sep, pk = item.partition("-")
        if kind not in ("need", "offer") or not pk.isdigit():
            continue
        try:
            marketplace_services.moderation_approve(
                actor=request.user, kind=kind, listing_id=int(pk)
            )
            approved += 1
        except NotFound:
            problems.append(
                (
                    _("Need %(id)s was not found.")
                    if kind == "need"
                    else _("Offer %(id)s was not found.")
                )
                % {"id": pk}
            )
        except ApplicationError as exc:
            problems.append(
                (
                    _("Need %(id)s: %(problem)s")
                    if kind == "need"
                    else _("Offer %(id)s: %(problem)s")
                )
                % {"id": pk, "problem": exc.message}
            )
    if approved:
        messages.success(
            request,
            ngettext("Approved %(count)s item.", "Approved %(count)s items.", approved)
            % {"count": approved},
        )
    for problem in problems:
        messages.error(request, problem)
    return redirect(request.get_full_path())


def _moderation_item_page(request, listing, kind, reject_form, status=200):
    return render_staff(
        request,
        "moderation_item.html",
        {
            "listing": listing,
            "kind": kind,
            "owner": listing.owner if kind == "need" else listing.helper,
            "form": reject_form,
            "history": _history(
                council=request.staff_council, target_type=kind, target_id=listing.pk
            ),
            "slots": list(listing.slots.all()),
            "postcode_area": postcode_sector(listing.postcode or ""),
            # What the offer's category needs, what the helper holds and what is missing.
            "vetting": marketplace_vetting.offer_vetting(listing) if kind == "offer" else None,
        },
        status=status,
    )


@require_GET
@staff_view(C.MODERATION)
def moderation_item(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    # The page shows the listing's postcode and its owner: a read of personal data, audited as
    # the same read through the API is.
    core_audit.audit_record(
        actor=request.user, verb=f"{kind}.viewed", target=listing, data={"page": "moderation"}
    )
    return _moderation_item_page(request, listing, kind, forms.RejectForm())


@require_POST
@staff_view(C.MODERATION)
def moderation_approve(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    try:
        marketplace_services.moderation_approve(
            actor=request.user, kind=kind, listing_id=listing.pk
        )
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        # The refusal (say, checks the helper lacks) in the page's error summary; the reject
        # form below stays empty and unmarked.
        form = forms.RejectForm(data={})
        form.full_clean()
        form.errors.clear()
        form.add_error(None, exc.message)
        listing.refresh_from_db()
        return _moderation_item_page(request, listing, kind, form, status=400)
    messages.success(request, _("Approved: %(listing)s.") % {"listing": listing})
    return redirect("staff:moderation")


@require_POST
@staff_view(C.MODERATION)
def moderation_reject(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        result = call_service(
            form,
            marketplace_services.moderation_reject,
            actor=request.user,
            kind=kind,
            listing_id=listing.pk,
            reason=form.cleaned_data["reason"],
            only_pending=True,
        )
        if result is not None:
            messages.success(
                request,
                _("Rejected: %(listing)s. The owner can see your reason.") % {"listing": listing},
            )
            return redirect("staff:moderation")
    listing.refresh_from_db()
    return _moderation_item_page(request, listing, kind, form, status=400)


def _report_target(report: Report, council):
    if report.target_type == Report.TargetType.NEED:
        return marketplace_selectors.need_of_council(council=council, need_id=report.target_id)
    if report.target_type == Report.TargetType.OFFER:
        return marketplace_selectors.offer_of_council(council=council, offer_id=report.target_id)
    if report.target_type == Report.TargetType.PERSON:
        return accounts_selectors.person_of_council(council=council, person_id=report.target_id)
    return None


@require_http_methods(["GET", "POST"])
@staff_view(C.MODERATION)
def report_detail(request, pk: int):
    council = request.staff_council
    report = trust_selectors.report_of_council(council=council, report_id=pk)
    if report is None:
        raise Http404("Not found.")
    form = forms.ReportDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = call_service(
                form,
                safeguarding_reports.report_decide,
                actor=request.user,
                report_id=report.pk,
                upheld=form.cleaned_data["decision"] == "uphold",
                note=form.cleaned_data["note"],
                take_down=form.cleaned_data["take_down"],
            )
            if result is not None:
                messages.success(
                    request,
                    _("Report %(id)s: %(status)s.")
                    % {"id": report.pk, "status": result.get_status_display()},
                )
                return redirect("staff:moderation")
        status = 400
        report.refresh_from_db()
    return render_staff(
        request,
        "report_detail.html",
        {
            "report": report,
            "target": _report_target(report, council),
            "form": form,
            "history": _history(council=council, target_type="report", target_id=report.pk),
        },
        status=status,
    )
