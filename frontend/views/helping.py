"""A helper's pages: their offers and weekly availability, changing one answer of an offer,
needs near them (ranked, with a map as an extra), offering to help, pausing while away and
alert preferences. Recording a new offer, one question per page, is
`frontend.views.new_offer`."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError, NotFound
from marketplace import selectors as market
from marketplace import services as market_services
from marketplace.models import Need, Offer
from matching import candidates as matching_candidates
from matching import selectors as matching
from matching import services as matching_services
from matching import web_selectors as matching_web
from places.geo import band_said, distance_said

from ..forms import AlertPreferencesForm
from ..offer_forms import OfferChangeForm
from ..words import languages_said, urgency_said
from .common import (
    call_service,
    home_required,
    not_found_as_404,
    posted_version,
    saved_unless_changed_elsewhere,
)
from .wizard import (
    dietary_text,
    listing_slot_rows,
    slot_formset_saved,
)

# The refusals of `offer_update` that are about what the helper sent (others, such as a newer
# version saved meanwhile, are shown above the form). A change page asks one question, so
# these go on its field.
OFFER_FIELD_REFUSALS = (
    "required",
    "too_long",
    "contact_details",
    "capacity",
    "radius",
    "radius_too_far",
    "language",
    "languages",
    "dietary",
)


# The questions of an offer, as its pages ask them (recording it, `frontend.views.new_offer`,
# and changing one answer).
OFFER_STEP_TITLES = {
    "category": gettext_lazy("What kind of help can you offer?"),
    "about": gettext_lazy("About your offer"),
    "place": gettext_lazy("Where will you help from?"),
    "distance": gettext_lazy("How far can you travel?"),
    "times": gettext_lazy("When are you free each week?"),
    "capacity": gettext_lazy("How many people could you help at the same time?"),
    "languages": gettext_lazy("Which languages can you help in?"),
    "food": gettext_lazy("Which of these can you cook?"),
}


def _told_apart(offers: list[Offer]) -> list[Offer]:
    """`offers`, each with `picked_as`, the name a helper picks it by among their others: its
    label (`Offer.label`), and where two or more share one, the postcode it is offered from
    (the helper's own), then a number if they are still alike."""
    labels = [o.label() for o in offers]
    shared = Counter(labels)
    names = [
        _("%(label)s, from %(postcode)s") % {"label": label, "postcode": o.postcode}
        if shared[label] > 1 and o.postcode
        else label
        for o, label in zip(offers, labels, strict=True)
    ]
    alike, seen = Counter(names), Counter[str]()
    for offer, name in zip(offers, names, strict=True):
        seen[name] += 1
        setattr(offer, "picked_as", f"{name} ({seen[name]})" if alike[name] > 1 else name)  # noqa: B010
    return offers


def _own_offer(request, offer_id: int) -> Offer:
    offer = not_found_as_404(lambda: market.access_offer(user=request.user, offer_id=offer_id))
    if offer.helper_id != request.user.pk:
        raise Http404("Not found.")
    return offer


@home_required
def helping(request):
    offers = list(market.offers_of_helper(user=request.user))
    matches = matching_web.matches_as_helper(user=request.user)
    return render(request, "frontend/helping/home.html", {"offers": offers, "matches": matches})


@home_required
def offer_availability(request, offer_id: int):
    """The weekly availability editor: rows of day, start and end; no JavaScript needed."""
    offer = _own_offer(request, offer_id)
    page = {"version": posted_version(request, offer.version)}
    formset, saved = slot_formset_saved(
        request.POST if request.method == "POST" else None,
        listing_slot_rows(offer),
        lambda slots: saved_unless_changed_elsewhere(
            lambda: market_services.offer_update(
                actor=request.user, offer=offer, version=page["version"], data={"slots": slots}
            ),
            page,
            offer,
        ),
    )
    if saved:
        messages.success(request, _("Your times have been saved."))
        return redirect("offer_detail", offer_id=offer.pk)
    return render(
        request,
        "frontend/helping/availability.html",
        {
            "offer": offer,
            "version": page["version"],
            "formset": formset,
            "has_errors": formset.is_bound
            and not formset.is_valid()
            or bool(formset.non_form_errors()),
        },
    )


@home_required
def offer_detail(request, offer_id: int):
    offer = _own_offer(request, offer_id)
    ranked = []
    if offer.status == Offer.Status.OPEN:
        ranked = matching_candidates.ranked_needs_for_offer(offer=offer, limit=10)
    return render(
        request,
        "frontend/helping/offer_detail.html",
        {
            "offer": offer,
            "ranked": ranked,
            "slots": list(offer.slots.all()),
            "languages": languages_said(offer.languages) or _("None given"),
            "food": dietary_text(offer.dietary_capabilities) if offer.category.is_meal else None,
        },
    )


@home_required
def offer_pause(request, offer_id: int):
    """Pause an offer while away, or start it again."""
    offer = _own_offer(request, offer_id)
    if request.method == "POST":
        action = (
            market_services.offer_resume
            if offer.status == Offer.Status.PAUSED
            else market_services.offer_pause
        )
        try:
            action(actor=request.user, offer=offer)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Your offer is paused. Nobody will be matched with it until you start it again.")
                if action is market_services.offer_pause
                else _("Your offer is open again."),
            )
        return redirect("offer_detail", offer_id=offer.pk)
    return render(request, "frontend/helping/pause.html", {"offer": offer})


@home_required
def offer_close(request, offer_id: int):
    """Close an offer for good (a confirmation page first)."""
    offer = _own_offer(request, offer_id)
    if request.method == "POST" and offer.status != Offer.Status.CLOSED:
        try:
            market_services.offer_close(actor=request.user, offer=offer)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "Your offer is closed. Nobody new will be matched with it. Thank you for "
                    "offering to help."
                ),
            )
        return redirect("offer_detail", offer_id=offer.pk)
    if offer.status == Offer.Status.CLOSED:
        messages.error(request, _("This offer is already closed."))
        return redirect("offer_detail", offer_id=offer.pk)
    return render(request, "frontend/helping/close.html", {"offer": offer})


def _map_points(items: list[dict]) -> list[dict]:
    """Approximate points only (the published grid cell), never an exact location."""
    return [
        {"lat": i["approx"].y, "lng": i["approx"].x, "label": i["title"], "url": i["url"]}
        for i in items
        if i.get("approx") is not None
    ]


@home_required
def needs_near(request):
    """Needs near the helper. With an open offer: ranked for that offer, with reasons.
    Without: open needs nearest first from the helper's own stored home."""
    open_offers = _told_apart(
        [o for o in market.offers_of_helper(user=request.user) if o.status == Offer.Status.OPEN]
    )
    chosen = None
    if open_offers:
        wanted = request.GET.get("offer")
        chosen = next((o for o in open_offers if str(o.pk) == wanted), open_offers[0])
    items = []
    if chosen is not None:
        for pair in matching_candidates.ranked_needs_for_offer(offer=chosen, limit=20):
            items.append(
                {
                    "title": pair.need.title,
                    # Every candidate is in the offer's own category (no query per need).
                    "category": chosen.category.local_name,
                    "urgency": urgency_said(pair.need.urgency),
                    "band": band_said(pair.distance_band) if pair.distance_band else None,
                    "why": pair.explanation,
                    "approx": pair.need.approx_location,
                    "url": reverse("need_for_helper", args=[pair.need.pk]) + f"?offer={chosen.pk}",
                }
            )
    else:
        for need in market.listings_near(viewer=request.user, kind="need")[:20]:
            distance = getattr(need, "distance_m", None)
            items.append(
                {
                    "title": need.title,
                    "category": need.category.local_name,
                    "urgency": urgency_said(need.urgency),
                    "band": distance_said(distance.m if distance is not None else None),
                    "why": "",
                    "approx": need.approx_location,
                    "url": reverse("need_for_helper", args=[need.pk]),
                }
            )
    return render(
        request,
        "frontend/helping/needs_near.html",
        {
            "items": items,
            "open_offers": open_offers,
            "chosen": chosen,
            "map_points": _map_points(items),
        },
    )


@home_required
def need_for_helper(request, need_id: int):
    """A need as a helper sees it (approximate place only), with "Offer to help"."""
    need = not_found_as_404(lambda: market.access_need(user=request.user, need_id=need_id))
    if need.owner_id == request.user.pk:
        return redirect("need_detail", need_id=need.pk)
    offers = _told_apart(
        [
            o
            for o in market.offers_of_helper(user=request.user)
            if o.status == Offer.Status.OPEN and o.category_id == need.category_id
        ]
    )
    existing = matching_web.live_match_of_helper(need=need, helper=request.user)
    # The band is measured from the helper's own stored home to the need's approximate place.
    near = market.listing_near(viewer=request.user, kind="need", listing_id=need.pk)
    distance = getattr(near, "distance_m", None) if near is not None else None
    band = distance_said(distance.m) if distance is not None else None
    if request.method == "POST" and need.status == Need.Status.OPEN:
        offer_id = request.POST.get("offer")
        offer = next((o for o in offers if str(o.pk) == offer_id), None)
        if offer is None:
            messages.error(request, _("Choose which of your offers this is about."))
        else:
            try:
                match = matching_services.match_offer_help(
                    helper=request.user, need_id=need.pk, offer_id=offer.pk
                )
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("You have offered to help. %(name)s will be asked to accept.")
                    % {"name": need.owner.public_name},
                )
                return redirect("match_detail", match_id=match.pk)
    return render(
        request,
        "frontend/helping/need.html",
        {
            "need": need,
            "offers": offers,
            # The offer the helper was browsing with (needs near me links carry it), else the
            # first: the one the radios start on.
            "chosen_offer": next(
                (o for o in offers if str(o.pk) == request.GET.get("offer")),
                offers[0] if offers else None,
            ),
            "existing": existing,
            "band": band,
            "slots": list(need.slots.all()),
        },
    )


@home_required
def alerts(request):
    pref = matching.alert_preference_get(user=request.user)
    form = AlertPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={
            "opted_in": "yes" if pref.opted_in else "no",
            "quiet_start": f"{pref.quiet_start:%H:%M}" if pref.quiet_start else "",
            "quiet_end": f"{pref.quiet_end:%H:%M}" if pref.quiet_end else "",
            "daily_cap": pref.daily_cap,
            "idle_asks": "yes" if pref.idle_asks else "no",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = call_service(
            form,
            lambda: matching_services.alert_preference_update(
                user=request.user,
                opted_in=data["opted_in"] == "yes",
                quiet_start=data["quiet_start_time"],
                quiet_end=data["quiet_end_time"],
                daily_cap=data["daily_cap"],
                idle_asks=data["idle_asks"] == "yes",
            ),
            field_for={"quiet_hours": "quiet_start", "daily_cap": "daily_cap"},
        )
        if done:
            messages.success(request, _("Your alert settings have been saved."))
            return redirect("helping")
    return render(request, "frontend/helping/alerts.html", {"form": form})


OFFER_PART_TITLES = {
    "title": gettext_lazy("Sum up your offer in a few words"),
    "about": gettext_lazy("Tell people about the help you can give"),
    "distance": OFFER_STEP_TITLES["distance"],
    "capacity": OFFER_STEP_TITLES["capacity"],
    "languages": OFFER_STEP_TITLES["languages"],
    "food": OFFER_STEP_TITLES["food"],
}


@home_required
def offer_change(request, offer_id: int, part: str):
    """Change one part of an offer from the "Change" links on its page. The page says before
    saving whether the council will check the offer again (the service's own rule)."""
    offer = _own_offer(request, offer_id)
    if part not in OFFER_PART_TITLES or (part == "food" and not offer.category.is_meal):
        raise Http404("No such part.")
    if offer.status == Offer.Status.CLOSED:
        messages.error(request, _("This offer is closed and can no longer be changed."))
        return redirect("offer_detail", offer_id=offer.pk)
    name = OfferChangeForm.FIELD_FOR_PART[part]
    current = {
        "title": offer.title,
        "description": offer.description,
        "radius_m": str(offer.radius_m),
        "capacity": offer.capacity,
        "languages": offer.languages,
        "dietary_capabilities": offer.dietary_capabilities,
    }
    form = OfferChangeForm(
        request.POST if request.method == "POST" else None,
        part=part,
        initial={name: current[name]},
    )
    page = {"version": posted_version(request, offer.version)}
    if request.method == "POST" and form.is_valid():
        value = form.cleaned_data[name]
        was = offer.status
        changed = call_service(
            form,
            lambda: saved_unless_changed_elsewhere(
                lambda: market_services.offer_update(
                    actor=request.user,
                    offer=offer,
                    version=page["version"],
                    data={name: int(value) if name == "radius_m" else value},
                ),
                page,
                offer,
            ),
            field_for=dict.fromkeys(OFFER_FIELD_REFUSALS, name),
        )
        if changed:
            if was == Offer.Status.OPEN and changed.status == Offer.Status.PENDING_REVIEW:
                text = _(
                    "Your changes have been saved. Council staff will check your offer again "
                    "before people see it."
                )
            else:
                text = _("Your changes have been saved.")
            messages.success(request, text)
            return redirect("offer_detail", offer_id=offer.pk)
    goes_to_review = market_services.offer_change_goes_to_review(
        actor=request.user, offer=offer, fields=[name]
    )
    review_text = (
        _("When you start your offer again, the council will check it before people see it.")
        if offer.status == Offer.Status.PAUSED
        else _("Your offer will be checked again by the council before people see it.")
    )
    return render(
        request,
        "frontend/helping/offer_change.html",
        {
            "offer": offer,
            "form": form,
            "field": form[name],
            "page_title": OFFER_PART_TITLES[part],
            "version": page["version"],
            "goes_to_review": goes_to_review,
            "review_text": review_text,
        },
    )
