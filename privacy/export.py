"""Download my data: everything Kith holds about a person, for a subject access request they
can make themselves."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import User, WebProfile


def _point(p) -> dict | None:
    return {"latitude": p.y, "longitude": p.x} if p is not None else None


def _slots(listing) -> list[dict]:
    return [
        {"day": s.get_weekday_display(), "from": f"{s.start:%H:%M}", "until": f"{s.end:%H:%M}"}
        for s in listing.slots.all()
    ]


def person_data_export(*, user: User) -> dict:
    """Everything Kith holds about the person, for "download my data" (a subject access
    request they can make themselves). Other people appear only by their public name.

    What council staff typed about the person for safeguarding — concerns and their notes, the
    reason for a suspension or its lifting, why a helper check was revoked — is withheld, as
    concern notes always have been: disclosing it could put someone at risk or reveal who
    raised a worry (DPA 2018 Schedule 2 and 3 exemptions), so the council reviews it on a
    subject access request made to them. The facts the person already knows stay in: each
    suspension's dates and each check's revocation date."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from rest_framework.authtoken.models import Token

    from accounts.models import StaffMembership
    from marketplace.models import Need, Offer
    from matching.models import AlertPreference, Feedback, Match
    from trust.models import Block, HelperCheck, Report, Suspension

    def iso(value):
        return value.isoformat() if value else None

    needs = Need.objects.filter(owner=user).select_related("category").prefetch_related("slots")
    offers = Offer.objects.filter(helper=user).select_related("category").prefetch_related("slots")
    matches = (
        Match.objects.filter(Q(need__owner=user) | Q(offer__helper=user))
        .select_related("need__owner", "offer__helper")
        .prefetch_related("messages__sender")
        .order_by("created_at")
    )
    profile = WebProfile.objects.filter(user=user).first()
    alerts = AlertPreference.objects.filter(user=user).first()
    membership = StaffMembership.objects.filter(user=user).select_related("council").first()
    return {
        "account": {
            "email": user.email,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
            "display_name": user.display_name,
            "phone": user.phone,
            "preferred_languages": list(user.preferred_languages),
            "gender": user.gender,
            "home_postcode": user.home_postcode,
            "home_location": _point(user.home_location),
            "council": user.council.name if user.council_id else None,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "suspended_at": iso(user.suspended_at),
        },
        "sign_in": {
            "has_password": user.has_usable_password(),
            "authenticators": [a.type for a in Authenticator.objects.filter(user=user)],
            "api_tokens": Token.objects.filter(user=user).count(),
        },
        "staff_role": (
            f"{membership.get_role_display()} at {membership.council.name}" if membership else None
        ),
        "checks": [
            {
                "kind": c.get_kind_display(),
                "council": c.council.name,
                "issued_on": iso(c.issued_on),
                "expires_on": iso(c.expires_on),
                "certificate_last4": c.certificate_last4,
                "revoked_at": iso(c.revoked_at),
            }
            for c in HelperCheck.objects.filter(user=user).select_related("council")
        ],
        # Dates only: the reasons staff typed are withheld (see the docstring).
        "suspensions": [
            {
                "council": s.council.name,
                "suspended_at": iso(s.suspended_at),
                "reinstated_at": iso(s.reinstated_at),
            }
            for s in Suspension.objects.filter(person=user)
            .select_related("council")
            .order_by("suspended_at", "id")
        ],
        "blocked": [
            b.blocked.public_name
            for b in Block.objects.filter(blocker=user).select_related("blocked")
        ],
        "web_profile": {
            "role": profile.get_role_display(),
            "onboarded_at": iso(profile.onboarded_at),
        }
        if profile
        else None,
        "needs": [
            {
                "id": n.pk,
                "title": n.title,
                "description": n.description,
                "category": n.category.name,
                "status": n.get_status_display(),
                "closed_reason": n.get_closed_reason_display() if n.closed_reason else None,
                "postcode": n.postcode,
                "location": _point(n.location),
                "timing": n.get_timing_display(),
                "starts_at": iso(n.starts_at),
                "ends_at": iso(n.ends_at),
                "weekly_times": _slots(n),
                "urgency": n.get_urgency_display(),
                "helper_gender_preference": n.helper_gender_preference,
                "dietary_requirements": list(n.dietary_requirements),
                "languages": list(n.languages),
                "helpers_wanted": n.helpers_wanted,
                "consent_note": n.consent_note,
                "created_at": iso(n.created_at),
            }
            for n in needs
        ],
        "offers": [
            {
                "id": o.pk,
                "title": o.title,
                "description": o.description,
                "category": o.category.name,
                "status": o.get_status_display(),
                "postcode": o.postcode,
                "location": _point(o.location),
                "travel_radius_m": o.radius_m,
                "capacity": o.capacity,
                "weekly_times": _slots(o),
                "dietary_capabilities": list(o.dietary_capabilities),
                "languages": list(o.languages),
                "created_at": iso(o.created_at),
            }
            for o in offers
        ],
        "matches": [
            {
                "id": m.pk,
                "status": m.get_status_display(),
                "your_role": "asked for help" if m.need.owner_id == user.pk else "helper",
                "other_person": (
                    m.offer.helper.public_name
                    if m.need.owner_id == user.pk
                    else m.need.owner.public_name
                ),
                "need": m.need.title,
                "created_at": iso(m.created_at),
                "messages": [
                    {
                        "from": "you"
                        if msg.sender_id == user.pk
                        else (msg.sender.public_name if msg.sender else "a former member"),
                        "body": msg.body,
                        "sent_at": iso(msg.created_at),
                    }
                    for msg in m.messages.all()
                ],
            }
            for m in matches
        ],
        "feedback_given": [
            {
                "match": f.match_id,
                "about": f.subject.public_name,
                "rating": f.rating,
                "comment": f.comment,
            }
            for f in Feedback.objects.filter(author=user).select_related("subject")
        ],
        "feedback_received": [
            {"match": f.match_id, "rating": f.rating, "comment": f.comment}
            for f in Feedback.objects.filter(subject=user)
        ],
        "reports_made": [
            {
                "about": r.target_type,
                "reason": r.reason,
                "status": r.get_status_display(),
                "created_at": iso(r.created_at),
            }
            for r in Report.objects.filter(reporter=user)
        ],
        "alert_preferences": {
            "opted_in": alerts.opted_in,
            "quiet_start": f"{alerts.quiet_start:%H:%M}" if alerts.quiet_start else None,
            "quiet_end": f"{alerts.quiet_end:%H:%M}" if alerts.quiet_end else None,
            "daily_cap": alerts.daily_cap,
        }
        if alerts
        else None,
    }
