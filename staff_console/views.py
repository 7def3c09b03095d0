"""Pages of the staff console. Views stay thin: they check the form, call a service of
`accounts.staff` or `marketplace.services`, and show its message. Every POST ends in a
service call that writes an audit event in the same transaction as the change."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as accounts_services
from accounts.models import User
from accounts.permissions import Capability, capabilities_of, staff_can
from core import audit as core_audit
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from insights import impact as insights_impact
from insights.impact import impact_report
from insights.oversight import SUPPRESS_BELOW, oversight_for
from marketplace import selectors as marketplace_selectors
from marketplace import services as marketplace_services
from marketplace.models import Category, Need, Offer
from matching import assisted
from matching.models import Round
from matching.rounds import round_apply, round_discard, round_run
from matching.services import MESSAGE_OPEN_STATUSES
from safeguarding import checks as safeguarding_checks
from safeguarding import people as safeguarding_people
from safeguarding import reports as safeguarding_reports
from safeguarding import suspension as safeguarding_suspension
from staff_console import forms
from staff_console.access import staff_view
from trust import checks as trust_checks
from trust import concerns as trust_concerns
from trust import selectors as trust_selectors
from trust.models import Report, SafeguardingConcern

C = Capability
AUDIT_PAGE_SIZE = 50

# (capability, label, url name) for the console's navigation, in order.
NAV = [
    (C.CONSOLE, "Console", "staff:home"),
    (C.MODERATION, "Moderation", "staff:moderation"),
    (C.HELPER_CHECKS, "Helper checks", "staff:checks"),
    (C.MATCHING_ROUNDS, "Rounds", "staff:rounds"),
    (C.SAFEGUARDING, "Concerns", "staff:concerns"),
    (C.PEOPLE, "People", "staff:people"),
    (C.ASSISTED_DIGITAL, "Assisted digital", "staff:assisted"),
    (C.AUDIT_LOG, "Audit log", "staff:audit"),
    (C.OVERSIGHT, "Oversight", "staff:oversight"),
    (C.OVERSIGHT, "Impact", "staff:impact"),
    (C.COUNCIL_SETTINGS, "Settings", "staff:settings"),
]


def _nav(request) -> list[dict]:
    caps = capabilities_of(request.user)
    items = []
    for capability, text, name in NAV:
        if capability in caps:
            href = reverse(name)
            current = request.path == href or (
                name != "staff:home" and request.path.startswith(href)
            )
            items.append({"text": text, "href": href, "current": current})
    items.append({"text": "Sign out", "href": reverse("account_logout"), "current": False})
    return items


def _render(request, template: str, context: dict, status: int = 200):
    context.setdefault("nav_items", _nav(request))
    # The shared error summary reads `form` and `form2`; pages without them pass None.
    context.setdefault("form", None)
    context.setdefault("form2", None)
    context.setdefault("council_name", request.staff_council.name)
    context.setdefault("staff_role", request.staff_membership.get_role_display())
    context.setdefault("can", {c.value: c in capabilities_of(request.user) for c in Capability})
    return render(request, f"staff/{template}", context, status=status)


def _call(form, fn, **kwargs):
    """Run a service; a refusal becomes an error on `form` (shown in the error summary) and
    "not found" becomes a 404."""
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None


# --- Home ------------------------------------------------------------------------------------
@require_GET
@staff_view(C.CONSOLE)
def home(request):
    council = request.staff_council
    user = request.user
    counts = {}
    if staff_can(user, C.MODERATION):
        counts["needs"] = marketplace_selectors.review_queue_needs(staff=user).count()
        counts["offers"] = marketplace_selectors.review_queue_offers(staff=user).count()
        counts["reports"] = trust_selectors.reports_for_staff(staff=user).count()
    if staff_can(user, C.HELPER_CHECKS):
        counts["expiring"] = trust_checks.helper_checks_expiring(council=council).count()
    if staff_can(user, C.SAFEGUARDING):
        counts["concerns"] = (
            SafeguardingConcern.objects.filter(council=council)
            .exclude(status=SafeguardingConcern.Status.CLOSED)
            .count()
        )
    if staff_can(user, C.ASSISTED_DIGITAL):
        counts["assisted_waiting"] = assisted.assisted_waiting_count(staff=user)
    return _render(request, "home.html", {"counts": counts})


# --- Moderation ------------------------------------------------------------------------------
def _listing_of(*, council, kind: str, pk: int) -> Need | Offer:
    model = {"need": Need, "offer": Offer}.get(kind)
    if model is None:
        raise Http404("Not found.")
    related = ("category", "owner") if model is Need else ("category", "helper")
    listing = model.objects.select_related(*related).filter(pk=pk, council=council).first()
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
        items = request.POST.getlist("items")
        if not items:
            messages.error(request, "Select at least one item to approve.")
            return redirect(request.get_full_path())
        approved, problems = 0, []
        for item in items:
            kind, _, pk = item.partition("-")
            if kind not in ("need", "offer") or not pk.isdigit():
                continue
            try:
                marketplace_services.moderation_approve(actor=user, kind=kind, listing_id=int(pk))
                approved += 1
            except NotFound:
                problems.append(f"{kind.capitalize()} {pk} was not found.")
            except ApplicationError as exc:
                problems.append(f"{kind.capitalize()} {pk}: {exc.message}")
        if approved:
            messages.success(request, f"Approved {approved} item{'s' if approved != 1 else ''}.")
        for problem in problems:
            messages.error(request, problem)
        return redirect(request.get_full_path())

    filters = forms.ModerationFilterForm(request.GET or None)
    kind, category = "", None
    if filters.is_valid():
        kind = filters.cleaned_data["kind"]
        category = filters.cleaned_data["category"]
    needs = offers = reports = []
    if kind in ("", "need"):
        needs = marketplace_selectors.review_queue_needs(staff=user)
        if category:
            needs = needs.filter(category=category)
    if kind in ("", "offer"):
        offers = marketplace_selectors.review_queue_offers(staff=user)
        if category:
            offers = offers.filter(category=category)
    if kind in ("", "report") and category is None:
        reports = trust_selectors.reports_for_staff(staff=user)
    return _render(
        request,
        "moderation_queue.html",
        {
            "filters": filters,
            "needs": list(needs),
            "offers": list(offers),
            "reports": list(reports),
        },
    )


def _moderation_item_page(request, listing, kind, reject_form, status=200):
    return _render(
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
        },
        status=status,
    )


@require_GET
@staff_view(C.MODERATION)
def moderation_item(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    return _moderation_item_page(request, listing, kind, forms.RejectForm())


@require_POST
@staff_view(C.MODERATION)
def moderation_approve(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    form = forms.RejectForm()
    result = _call(
        form,
        marketplace_services.moderation_approve,
        actor=request.user,
        kind=kind,
        listing_id=listing.pk,
    )
    if result is None:
        return _moderation_item_page(request, listing, kind, form, status=400)
    messages.success(request, f"Approved: {listing}.")
    return redirect("staff:moderation")


@require_POST
@staff_view(C.MODERATION)
def moderation_reject(request, kind: str, pk: int):
    listing = _listing_of(council=request.staff_council, kind=kind, pk=pk)
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        result = _call(
            form,
            marketplace_services.moderation_reject,
            actor=request.user,
            kind=kind,
            listing_id=listing.pk,
            reason=form.cleaned_data["reason"],
            only_pending=True,
        )
        if result is not None:
            messages.success(request, f"Rejected: {listing}. The owner can see your reason.")
            return redirect("staff:moderation")
    listing.refresh_from_db()
    return _moderation_item_page(request, listing, kind, form, status=400)


def _report_target(report: Report, council):
    if report.target_type == Report.TargetType.NEED:
        return Need.objects.filter(pk=report.target_id, council=council).first()
    if report.target_type == Report.TargetType.OFFER:
        return Offer.objects.filter(pk=report.target_id, council=council).first()
    if report.target_type == Report.TargetType.PERSON:
        return User.objects.filter(pk=report.target_id, council=council).first()
    return None


@require_http_methods(["GET", "POST"])
@staff_view(C.MODERATION)
def report_detail(request, pk: int):
    council = request.staff_council
    report = Report.objects.select_related("reporter").filter(pk=pk, council=council).first()
    if report is None:
        raise Http404("Not found.")
    form = forms.ReportDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = _call(
                form,
                safeguarding_reports.report_decide,
                actor=request.user,
                report_id=report.pk,
                upheld=form.cleaned_data["decision"] == "uphold",
                note=form.cleaned_data["note"],
                take_down=form.cleaned_data["take_down"],
            )
            if result is not None:
                messages.success(request, f"Report {report.pk}: {result.get_status_display()}.")
                return redirect("staff:moderation")
        status = 400
        report.refresh_from_db()
    return _render(
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


# --- Helper checks ---------------------------------------------------------------------------
def _checks_page(request, form, status=200):
    council = request.staff_council
    return _render(
        request,
        "checks.html",
        {
            "form": form,
            "expiring": list(trust_checks.helper_checks_expiring(council=council)),
            "recent": list(trust_checks.helper_checks_of_council(council=council)[:50]),
            "levels": marketplace_selectors.categories_by_level(),
            "today": timezone.localdate(),
            "revoke_form": forms.RevokeCheckForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.HELPER_CHECKS)
def checks(request):
    if request.method == "GET":
        return _checks_page(request, forms.HelperCheckForm())
    form = forms.HelperCheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        helper = User.objects.filter(
            council=request.staff_council, email__iexact=data["email"]
        ).first()
        if helper is None:
            form.add_error(
                "email", "No one with that email address is registered in your council's area."
            )
        else:
            check = _call(
                form,
                trust_checks.helper_check_record,
                actor=request.user,
                helper_id=helper.pk,
                kind=data["kind"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
                certificate_last4=data["certificate_last4"],
            )
            if check is not None:
                messages.success(
                    request, f"{check.get_kind_display()} recorded for {helper.public_name}."
                )
                return redirect("staff:checks")
    return _checks_page(request, form, status=400)


@require_POST
@staff_view(C.HELPER_CHECKS)
def check_revoke(request, pk: int):
    form = forms.RevokeCheckForm(request.POST)
    if form.is_valid():
        check = _call(
            form,
            safeguarding_checks.helper_check_revoke,
            actor=request.user,
            check_id=pk,
            reason=form.cleaned_data["reason"],
        )
        if check is not None:
            messages.success(request, "The check was revoked. Offers that needed it are paused.")
            return redirect("staff:checks")
    elif (
        not trust_checks.helper_checks_of_council(council=request.staff_council)
        .filter(pk=pk)
        .exists()
    ):
        raise Http404("Not found.")
    for error in form.non_field_errors() or form.errors.get("reason", []):
        messages.error(request, error)
    return redirect("staff:checks")


# --- Matching rounds -------------------------------------------------------------------------
def _round_of(request, pk) -> Round:
    rnd = Round.objects.filter(pk=pk, council=request.staff_council).first()
    if rnd is None:
        raise Http404("Not found.")
    return rnd


@require_http_methods(["GET", "POST"])
@staff_view(C.MATCHING_ROUNDS)
def rounds(request):
    if request.method == "POST":
        rnd = round_run(council=request.staff_council, actor=request.user)
        messages.success(request, "Round worked out. Review the proposals below before sending.")
        return redirect("staff:round", pk=rnd.pk)
    items = list(Round.objects.filter(council=request.staff_council)[:30])
    return _render(request, "rounds.html", {"rounds": items})


@require_GET
@staff_view(C.MATCHING_ROUNDS)
def round_detail(request, pk: int):
    rnd = _round_of(request, pk)
    proposals = list(
        rnd.proposals.select_related(
            "need__category", "need__owner", "offer__helper", "match"
        ).order_by("-score", "id")
    )
    return _render(request, "round_detail.html", {"round": rnd, "proposals": proposals})


@require_POST
@staff_view(C.MATCHING_ROUNDS)
def round_decide(request, pk: int, decision: str):
    rnd = _round_of(request, pk)
    try:
        if decision == "apply":
            result = round_apply(staff=request.user, round_id=rnd.pk)
            messages.success(
                request,
                f"Sent {result['proposed']} proposed matches to the people in them"
                + (f"; {result['skipped']} were no longer possible." if result["skipped"] else "."),
            )
        else:
            round_discard(staff=request.user, round_id=rnd.pk)
            messages.success(request, "Round discarded. Nobody was told about it.")
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("staff:round", pk=rnd.pk)


# --- Safeguarding ----------------------------------------------------------------------------
@require_GET
@staff_view(C.SAFEGUARDING)
def concerns(request):
    status = request.GET.get("status", "")
    if status not in SafeguardingConcern.Status.values:
        status = ""
    items = trust_concerns.concerns_for_council(council=request.staff_council, status=status)
    return _render(
        request,
        "concerns.html",
        {"concerns": items, "status": status, "statuses": SafeguardingConcern.Status.choices},
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.CONSOLE)
def concern_raise(request):
    person_id = request.GET.get("person") or request.POST.get("person") or ""
    person = (
        User.objects.filter(pk=person_id, council=request.staff_council).first()
        if person_id.isdigit()
        else None
    )
    if person is None:
        raise Http404("Not found.")
    form = forms.ConcernRaiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            concern = _call(
                form,
                trust_concerns.concern_raise,
                actor=request.user,
                about_id=person.pk,
                **form.cleaned_data,
            )
            if concern is not None:
                messages.success(request, "Concern raised. The safeguarding lead will see it.")
                if staff_can(request.user, C.SAFEGUARDING):
                    return redirect("staff:concern", pk=concern.pk)
                return redirect("staff:home")
        status = 400
    return _render(request, "concern_raise.html", {"form": form, "person": person}, status=status)


def _concern_page(request, concern, status=200, **forms_):
    council = request.staff_council
    owners = trust_concerns.safeguarding_staff(council=council)
    context = {
        "concern": concern,
        "notes": list(concern.notes.select_related("author")),
        "assign_form": forms_.get("assign_form")
        or forms.ConcernAssignForm(
            owners=owners,
            initial={"owner": concern.owner_id, "priority": concern.priority},
        ),
        "note_form": forms_.get("note_form") or forms.ConcernNoteForm(),
        "close_form": forms_.get("close_form") or forms.ConcernCloseForm(),
        "suspend_form": forms.SuspendForm(initial={"concern": concern.pk}),
        "history": _concern_history(council=council, concern=concern),
        # The reasons typed when suspending from this concern live on the suspensions.
        "suspensions": list(
            concern.suspensions.filter(council=council).select_related(
                "suspended_by", "reinstated_by"
            )
        ),
    }
    # The page shows the error summary for whichever form was sent.
    context["form"] = (
        forms_.get("assign_form") or forms_.get("note_form") or forms_.get("close_form")
    )
    return _render(request, "concern_detail.html", context, status=status)


def _concern_history(*, council, concern):
    """The concern's own events and the suspensions made from it, newest first."""
    events = core_audit.audit_events_for_council(council=council)
    return list(
        events.filter(
            Q(target_type="safeguardingconcern", target_id=concern.pk)
            | Q(verb__in=["person.suspended"], data__concern_id=concern.pk)
        )[:100]
    )


def _concern(request, pk) -> SafeguardingConcern:
    try:
        return trust_concerns.concern_for_staff(actor=request.user, concern_id=pk)
    except NotFound:
        raise Http404("Not found.") from None


@require_GET
@staff_view(C.SAFEGUARDING)
def concern_detail(request, pk: int):
    concern = _concern(request, pk)
    audit_record(
        actor=request.user,
        verb="concern.viewed",
        target=concern,
        data={"person_id": concern.about_id},
    )
    return _concern_page(request, concern)


def _concern_action(request, pk: int, *, form, form_key: str, service, values, success: str):
    """A POST on a concern's page: run `service` with `values(cleaned_data)`; on success go
    back to the concern, otherwise show its page again with this form's errors."""
    concern = _concern(request, pk)
    if form.is_valid() and _call(
        form, service, actor=request.user, concern_id=concern.pk, **values(form.cleaned_data)
    ):
        messages.success(request, success)
        return redirect("staff:concern", pk=concern.pk)
    concern.refresh_from_db()
    return _concern_page(request, concern, status=400, **{form_key: form})


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_assign(request, pk: int):
    owners = trust_concerns.safeguarding_staff(council=request.staff_council)
    return _concern_action(
        request,
        pk,
        form=forms.ConcernAssignForm(request.POST, owners=owners),
        form_key="assign_form",
        service=trust_concerns.concern_assign,
        values=lambda d: {"owner_id": int(d["owner"]), "priority": d["priority"]},
        success="Owner and priority saved.",
    )


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_note(request, pk: int):
    return _concern_action(
        request,
        pk,
        form=forms.ConcernNoteForm(request.POST),
        form_key="note_form",
        service=trust_concerns.concern_add_note,
        values=lambda d: {"body": d["body"]},
        success="Note added.",
    )


@require_POST
@staff_view(C.SAFEGUARDING)
def concern_close(request, pk: int):
    return _concern_action(
        request,
        pk,
        form=forms.ConcernCloseForm(request.POST),
        form_key="close_form",
        service=trust_concerns.concern_close,
        values=lambda d: {"outcome": d["outcome"], "note": d["note"]},
        success="Concern closed.",
    )


# --- People ----------------------------------------------------------------------------------
@require_GET
@staff_view(C.PEOPLE)
def people(request):
    form = forms.PeopleSearchForm(request.GET or None)
    results = None
    status = 200
    if request.GET:
        if form.is_valid():
            results = _call(
                form,
                safeguarding_people.people_search,
                actor=request.user,
                query=form.cleaned_data["q"],
            )
        if form.errors:
            status = 400
    return _render(request, "people.html", {"form": form, "results": results}, status=status)


def _person_page(request, pk, status=200, **forms_):
    try:
        record = safeguarding_people.person_view(actor=request.user, person_id=pk)
    except NotFound:
        raise Http404("Not found.") from None
    context = {
        "record": record,
        "person": record.person,
        "suspend_form": forms_.get("suspend_form") or forms.SuspendForm(),
        "reinstate_form": forms_.get("reinstate_form") or forms.ReinstateForm(),
        "form": forms_.get("suspend_form") or forms_.get("reinstate_form"),
    }
    return _render(request, "person_detail.html", context, status=status)


@require_GET
@staff_view(C.PEOPLE)
def person_detail(request, pk: int):
    return _person_page(request, pk)


def _person_in_council_or_404(request, pk):
    if not User.objects.filter(pk=pk, council=request.staff_council).exists():
        raise Http404("Not found.")


@require_http_methods(["GET", "POST"])
@staff_view(C.ASSISTED_DIGITAL)
def assisted_need(request, pk: int):
    person = User.objects.filter(pk=pk, council=request.staff_council).first()
    if person is None:
        raise Http404("Not found.")
    form = forms.AssistedNeedForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            location = {"postcode": data["postcode"]} if data["postcode"] else {}
            if not location:
                if person.home_postcode:
                    location = {"postcode": person.home_postcode}
                elif person.home_location is not None:
                    location = {"point": person.home_location}
            need = _call(
                form,
                marketplace_services.need_create,
                owner=person,
                recorded_by=request.user,
                consent_given=data["consent"],
                consent_note=data["consent_note"],
                category=data["category"],
                title=data["title"],
                description=data["description"],
                urgency=data["urgency"],
                **location,
            )
            if need is not None:
                messages.success(request, f"Need recorded for {person.public_name}: {need.title}.")
                return redirect("staff:person", pk=person.pk)
        return _render(request, "assisted_need.html", {"form": form, "person": person}, status=400)
    return _render(request, "assisted_need.html", {"form": form, "person": person})


# --- Assisted digital: matches and messages for the person -----------------------------------
def _assisted(request, fn, **kwargs):
    """Reads of matching.assisted: "not found" is a 404; a need staff did not record for the
    person (no consent on record) is a 403 with the service's reason."""
    try:
        return fn(staff=request.user, **kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from None


def _assisted_write(request, fn, **kwargs):
    """Run an assisted-digital write; its refusal is shown as a message on the next page."""
    try:
        return fn(staff=request.user, **kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return None


@require_GET
@staff_view(C.ASSISTED_DIGITAL)
def assisted_list(request):
    needs = list(assisted.assisted_needs(staff=request.user)[:200])
    return _render(request, "assisted_needs.html", {"needs": needs})


def _assisted_need_page(request, pk: int, status: int = 200, decline_form=None):
    need, matches, ranked = _assisted(request, assisted.assisted_need_view, need_id=pk)
    return _render(
        request,
        "assisted_need_detail.html",
        {
            "need": need,
            "person": need.owner,
            "matches": matches,
            "ranked": ranked,
            "decline_form": decline_form or forms.AssistedDeclineForm(),
            "form": decline_form,
        },
        status=status,
    )


@require_GET
@staff_view(C.ASSISTED_DIGITAL)
def assisted_need_detail(request, pk: int):
    return _assisted_need_page(request, pk)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_ask(request, pk: int):
    need = _assisted(request, assisted.assisted_need_get, need_id=pk)
    offer_id = request.POST.get("offer", "")
    if not offer_id.isdigit():
        messages.error(request, "Choose a helper to ask.")
        return redirect("staff:assisted_need_detail", pk=need.pk)
    match = _assisted_write(
        request, assisted.assisted_match_request, need_id=pk, offer_id=int(offer_id)
    )
    if match is not None:
        messages.success(
            request, f"Asked {match.offer.helper.public_name} to help. They can answer now."
        )
        return redirect("staff:assisted_match", pk=match.pk)
    return redirect("staff:assisted_need_detail", pk=pk)


def _assisted_match_page(request, pk: int, status: int = 200, form=None):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    conversation = (
        _assisted(request, assisted.assisted_messages, match_id=pk)
        if match.status in MESSAGE_OPEN_STATUSES
        else []
    )
    return _render(
        request,
        "assisted_match.html",
        {
            "match": match,
            "need": match.need,
            "person": match.need.owner,
            "conversation": conversation,
            "can_message": match.status in MESSAGE_OPEN_STATUSES,
            "form": form or forms.AssistedMessageForm(),
            "decline_form": forms.AssistedDeclineForm(),
            "cancel_form": forms.AssistedDeclineForm(prefix="cancel"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.ASSISTED_DIGITAL)
def assisted_match(request, pk: int):
    if request.method == "GET":
        return _assisted_match_page(request, pk)
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    form = forms.AssistedMessageForm(request.POST)
    if form.is_valid() and _call(
        form,
        assisted.assisted_message_send,
        staff=request.user,
        match_id=match.pk,
        body=form.cleaned_data["body"],
    ):
        messages.success(request, f"Message sent for {match.need.owner.public_name}.")
        return redirect("staff:assisted_match", pk=match.pk)
    return _assisted_match_page(request, pk, status=400, form=form)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_accept(request, pk: int):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    if _assisted_write(request, assisted.assisted_match_accept, match_id=match.pk):
        messages.success(request, f"Accepted for {match.need.owner.public_name}.")
    return redirect("staff:assisted_match", pk=match.pk)


def _assisted_end(request, pk: int, *, service, prefix: str | None, success: str):
    """Decline a proposal or end a match for the person, with an optional reason; then back
    to the need, or to the match with matching's refusal."""
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    form = forms.AssistedDeclineForm(request.POST, prefix=prefix)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
    elif _assisted_write(request, service, match_id=match.pk, reason=form.cleaned_data["reason"]):
        messages.success(
            request,
            success.format(
                person=match.need.owner.public_name, helper=match.offer.helper.public_name
            ),
        )
        return redirect("staff:assisted_need_detail", pk=match.need_id)
    return redirect("staff:assisted_match", pk=match.pk)


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_decline(request, pk: int):
    return _assisted_end(
        request,
        pk,
        service=assisted.assisted_match_decline,
        prefix=None,
        success="Declined for {person}. Kith will not suggest this helper again for this need.",
    )


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_cancel(request, pk: int):
    return _assisted_end(
        request,
        pk,
        service=assisted.assisted_match_cancel,
        prefix="cancel",
        success="The match with {helper} is ended for {person}.",
    )


@require_POST
@staff_view(C.ASSISTED_DIGITAL)
def assisted_complete(request, pk: int):
    match = _assisted(request, assisted.assisted_match_get, match_id=pk)
    if _assisted_write(request, assisted.assisted_match_complete, match_id=match.pk):
        messages.success(request, f"The help is marked as done for {match.need.owner.public_name}.")
    return redirect("staff:assisted_match", pk=match.pk)


@require_POST
@staff_view(C.SUSPENSION)
def person_suspend(request, pk: int):
    _person_in_council_or_404(request, pk)
    form = forms.SuspendForm(request.POST)
    if form.is_valid():
        result = _call(
            form,
            safeguarding_suspension.person_suspend,
            actor=request.user,
            person_id=pk,
            reason=form.cleaned_data["reason"],
            concern_id=form.cleaned_data["concern"],
        )
        if result is not None:
            messages.success(
                request,
                f"{result.person.public_name} is suspended. Needs withdrawn: "
                f"{result.needs_closed}. Offers withdrawn: {result.offers_closed}. "
                f"Matches ended: {result.matches_ended}.",
            )
            if form.cleaned_data["concern"]:
                return redirect("staff:concern", pk=form.cleaned_data["concern"])
            return redirect("staff:person", pk=pk)
    concern_id = request.POST.get("concern", "")
    if concern_id.isdigit():
        # Sent from a concern's page: show the problem there.
        for error in form.non_field_errors() or form.errors.get("reason", []):
            messages.error(request, error)
        return redirect("staff:concern", pk=int(concern_id))
    return _person_page(request, pk, status=400, suspend_form=form)


@require_POST
@staff_view(C.SUSPENSION)
def person_reinstate(request, pk: int):
    _person_in_council_or_404(request, pk)
    form = forms.ReinstateForm(request.POST)
    if form.is_valid():
        person = _call(
            form,
            safeguarding_suspension.person_reinstate,
            actor=request.user,
            person_id=pk,
            note=form.cleaned_data["note"],
        )
        if person is not None:
            messages.success(request, f"{person.public_name} is reinstated.")
            return redirect("staff:person", pk=pk)
    return _person_page(request, pk, status=400, reinstate_form=form)


# --- Oversight -------------------------------------------------------------------------------
DEFAULT_RANGE_DAYS = 90


@require_GET
@staff_view(C.OVERSIGHT)
def oversight(request):
    form = forms.DateRangeForm(request.GET or None)
    date_from, date_to = _date_range(form)
    data = oversight_for(council=request.staff_council, date_from=date_from, date_to=date_to)
    widest = max((row.total for row in data.categories), default=0)
    bars = [
        {"row": row, "width": round(300 * row.total / widest) if widest else 0}
        for row in data.categories
    ]
    return _render(
        request,
        "oversight.html",
        {"form": form, "data": data, "bars": bars, "suppress_below": SUPPRESS_BELOW},
        status=400 if form.errors else 200,
    )


# --- Impact report ---------------------------------------------------------------------------
def _date_range(form) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    date_from, date_to = today - dt.timedelta(days=DEFAULT_RANGE_DAYS), today
    if form.is_bound and form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
    return date_from, date_to


@require_GET
@staff_view(C.OVERSIGHT)
def impact(request):
    form = forms.DateRangeForm(request.GET or None)
    date_from, date_to = _date_range(form)
    report = impact_report(council=request.staff_council, date_from=date_from, date_to=date_to)
    return _render(
        request,
        "impact.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
        status=400 if form.errors else 200,
    )


@require_GET
@staff_view(C.OVERSIGHT)
def impact_csv(request):
    form = forms.DateRangeForm(request.GET or None)
    if form.errors:
        return HttpResponse(
            "Check the dates: "
            + "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    date_from, date_to = _date_range(form)
    report = impact_report(council=request.staff_council, date_from=date_from, date_to=date_to)
    audit_record(
        actor=request.user,
        verb="impact.exported",
        council=request.staff_council,
        target_type="impact",
        data={"from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kith-impact-{date_from.isoformat()}-{date_to.isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "kind_of_help",
            "completed_matches",
            "needs_met",
            "repeat_pairings",
            "hours_given",
            "unit_cost_gbp",
            "cost_avoided_gbp",
        ]
    )
    for row in [*report.rows, report.total]:
        writer.writerow(
            [
                _csv_safe(row.name),
                row.completed,
                row.needs_met,
                row.repeat_pairs,
                row.hours,
                row.unit_cost if row.slug else "",
                row.cost_avoided,
            ]
        )
    return response


# --- Council settings and category switches -------------------------------------------------
def _units_form(request, data=None):
    return forms.ImpactUnitsForm(
        data,
        categories=Category.objects.filter(is_active=True),
        units=insights_impact.impact_units(council=request.staff_council),
    )


def _settings_page(request, form, status=200, units_form=None):
    return _render(
        request,
        "settings.html",
        {
            "form": form,
            "form2": units_form,
            "units_form": units_form or _units_form(request),
            "categories": marketplace_selectors.categories_for(user=request.user),
        },
        status=status,
    )


def _settings_form(council):
    return forms.CouncilSettingsForm(
        initial={
            "max_travel_radius_m": council.max_travel_radius_m,
            "auto_approve_verified_helpers": council.auto_approve_verified_helpers,
        }
    )


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def impact_units(request):
    units_form = _units_form(request, request.POST)
    if units_form.is_valid():
        costs, hours = units_form.units()
        if _call(
            units_form,
            insights_impact.impact_units_update,
            actor=request.user,
            unit_costs=costs,
            unit_hours=hours,
        ):
            messages.success(request, "Unit costs and hours saved.")
            return redirect("staff:settings")
    return _settings_page(
        request, _settings_form(request.staff_council), status=400, units_form=units_form
    )


@require_http_methods(["GET", "POST"])
@staff_view(C.COUNCIL_SETTINGS)
def council_settings(request):
    council = request.staff_council
    if request.method == "GET":
        return _settings_page(request, _settings_form(council))
    form = forms.CouncilSettingsForm(request.POST)
    if form.is_valid() and _call(
        form, accounts_services.council_settings_update, actor=request.user, **form.cleaned_data
    ):
        messages.success(request, "Settings saved.")
        return redirect("staff:settings")
    return _settings_page(request, form, status=400)


@require_POST
@staff_view(C.CATEGORY_SWITCHES)
def category_switch(request, slug: str):
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise Http404("Not found.")
    enabled = request.POST.get("enabled") == "on"
    try:
        marketplace_services.category_set_enabled(
            actor=request.user, category=category, enabled=enabled
        )
    except NotFound:
        raise Http404("Not found.") from None
    messages.success(request, f"{category.name} is now {'on' if enabled else 'off'} in your area.")
    return redirect("staff:settings")


# --- Audit log -------------------------------------------------------------------------------
def _audit_events(request, form):
    data = form.cleaned_data if form.is_valid() else {}
    return core_audit.audit_events_for_council(
        council=request.staff_council,
        verb=(data.get("verb") or "").strip(),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


@require_GET
@staff_view(C.AUDIT_LOG)
def audit_log(request):
    form = forms.AuditFilterForm(request.GET or None)
    events = _audit_events(request, form)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


class _Echo:
    """A file-like object for csv.writer that hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; quote them."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@staff_view(C.AUDIT_LOG)
def audit_log_csv(request):
    form = forms.AuditFilterForm(request.GET or None)
    if form.errors:
        return HttpResponse(
            "Check the filters: "
            + "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    events = _audit_events(request, form)
    audit_record(
        actor=request.user,
        verb="audit_log.exported",
        council=request.staff_council,
        target_type="auditlog",
        data={k: str(v) for k, v in (form.cleaned_data if form.is_bound else {}).items() if v},
    )
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d-%H%M%S")

    def rows():
        # Streamed, so a long log is never held in memory as one response.
        writer = csv.writer(_Echo())
        yield writer.writerow(
            ["id", "time", "actor_id", "actor", "verb", "target_type", "target_id", "data"]
        )
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.pk,
                    event.created_at.isoformat(),
                    event.actor_id or "",
                    _csv_safe(event.actor.email if event.actor else ""),
                    _csv_safe(event.verb),
                    _csv_safe(event.target_type),
                    event.target_id if event.target_id is not None else "",
                    _csv_safe(json.dumps(event.data, sort_keys=True, default=str)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kith-audit-{stamp}.csv"'
    return response
