"""The matching API: rankings, and matches and their actions (a match's conversation and
feedback are in `conversation_api`, alerts in `alerts_api`, rounds in `rounds_api`). Views
are thin: services and selectors hold the rules.

Privacy: another person appears only by public name, approximate location (grid cell) and a
distance band computed server-side from the viewer's own listing. Objects the caller may not
see are 404, the same as objects that do not exist.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.schemas.inspectors import ViewInspector
from rest_framework.views import APIView

from accounts.permissions import STAFF_MFA_MESSAGE, staff_has_mfa
from core.idempotency import idempotent
from marketplace.api import MarketplaceAutoSchema
from marketplace.models import Need, Offer
from places.geo import band_said, distance_band, metres_between

from . import candidates, selectors, services
from .models import Match
from .profiles import HelperProfile, with_profiles
from .scoring import COMPONENTS, RankedPair, ordering_sentence

MAX_LIMIT = 25


class MatchingAutoSchema(MarketplaceAutoSchema):
    """Documents the error answers every matching endpoint can give (as the marketplace API
    does): 400 (a rule or a field refused), 401, 403 (staff without two-factor) and 404."""

    ERRORS = {code: text for code, text in MarketplaceAutoSchema.ERRORS.items() if code != "409"}


def staff_needs_mfa(request, *, as_staff: bool) -> None:
    """Reading or acting as council staff (not as one of the people) needs an authenticator
    app, as on every staff tool: a 403 with the same message."""
    if as_staff and not staff_has_mfa(request.user):
        raise exceptions.PermissionDenied(STAFF_MFA_MESSAGE)


def match_as_staff(request, pk: int) -> bool:
    """Whether `request.user` would reach match `pk` as staff (extra queries only for staff)."""
    if selectors.staff_council_id(request.user) is None:
        return False
    match = selectors.match_get(user=request.user, match_id=pk)
    return selectors.match_role(user=request.user, match=match) == "staff"


class MatchingApiMixin:
    """A domain "not found" becomes a plain 404; other domain errors a 400 with the message
    (config.api.exception_handler)."""

    schema: ViewInspector | None = MatchingAutoSchema()


# --- Shared output pieces ------------------------------------------------------------------
class PointSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


def _point(p) -> dict | None:
    return {"lon": round(p.x, 5), "lat": round(p.y, 5)} if p is not None else None


EXPLANATION_HELP = (
    'What counted for the pair, then, after "but", what counted against it (the '
    "costliest first), from the same components as the score. Distance only as its band."
)
BAND_HELP = "How far away, as a band; its English is fixed (compare with it). Null if unknown."
LABEL_HELP = "The band in the language of the request, to show to a person. Null if unknown."

ComponentsSerializer = inline_serializer(
    name="ScoreComponents", fields={name: serializers.FloatField() for name in COMPONENTS}
)


class HelperProfileSerializer(serializers.Serializer):
    """`matching.profiles.HelperProfile`: what a person asking for help sees of a helper."""

    name = serializers.CharField(
        help_text=gettext_lazy("First name and the initial of the family name.")
    )
    checks = serializers.ListField(
        child=serializers.CharField(),
        source="badges",
        help_text=gettext_lazy(
            'The checks the council holds for the helper: "ID checked", "DBS checked".'
        ),
    )
    languages = serializers.ListField(child=serializers.CharField())
    helping_since = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("When their first offer opened on Kith.")
    )
    people_helped = serializers.IntegerField()


class RankedOfferSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField()
    title = serializers.CharField()
    helper_name = serializers.CharField()
    helper = HelperProfileSerializer()
    score = serializers.FloatField()
    components = ComponentsSerializer
    explanation = serializers.CharField(help_text=EXPLANATION_HELP)
    distance_band = serializers.CharField(allow_null=True, help_text=BAND_HELP)
    distance_label = serializers.CharField(allow_null=True, help_text=LABEL_HELP)
    approx_location = PointSerializer()


class RankedNeedSerializer(serializers.Serializer):
    need_id = serializers.IntegerField()
    title = serializers.CharField()
    urgency = serializers.CharField()
    person_name = serializers.CharField()
    score = serializers.FloatField()
    components = ComponentsSerializer
    explanation = serializers.CharField(help_text=EXPLANATION_HELP)
    distance_band = serializers.CharField(allow_null=True, help_text=BAND_HELP)
    distance_label = serializers.CharField(allow_null=True, help_text=LABEL_HELP)
    approx_location = PointSerializer()


def _label(band: str | None) -> str | None:
    return band_said(band) if band is not None else None


def profile_data(profile: HelperProfile) -> dict:
    """`HelperProfileSerializer(profile).data`, made directly: a ranking returns up to 25
    profiles and a serializer instance per profile cost more than the ranking's scoring
    (tests/matching/test_ranking_output.py holds the two equal)."""
    since = profile.helping_since
    return {
        "name": str(profile.name),
        "checks": [str(badge) for badge in profile.badges],
        "languages": [str(language) for language in profile.languages],
        "helping_since": since.isoformat() if since is not None else None,
        "people_helped": int(profile.people_helped),
    }


def _ranked_offer(pair: RankedPair, profile: HelperProfile) -> dict:
    return {
        "offer_id": pair.offer.pk,
        "title": str(pair.offer),
        "helper_name": pair.offer.helper.public_name,
        "helper": profile_data(profile),
        "score": pair.score,
        "components": pair.components,
        "explanation": pair.explanation,
        "distance_band": pair.distance_band,
        "distance_label": _label(pair.distance_band),
        "approx_location": _point(pair.offer.approx_location),
    }


def _ranked_need(pair: RankedPair) -> dict:
    return {
        "need_id": pair.need.pk,
        "title": pair.need.title,
        "urgency": pair.need.urgency,
        "person_name": pair.need.owner.public_name,
        "score": pair.score,
        "components": pair.components,
        "explanation": pair.explanation,
        "distance_band": pair.distance_band,
        "distance_label": _label(pair.distance_band),
        "approx_location": _point(pair.need.approx_location),
    }


class RankingQuery(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_LIMIT,
        default=10,
        help_text=gettext_lazy("How many to return (1–25, default 10); more is refused."),
    )


def _limit(request) -> int:
    query = RankingQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data["limit"]


class NeedMatchesApi(MatchingApiMixin, APIView):
    query_serializer = RankingQuery

    @extend_schema(
        summary="Ranked helpers for a need (its owner, or staff of its council)",
        description=ordering_sentence("need"),
        parameters=[RankingQuery],
        responses=RankedOfferSerializer(many=True),
    )
    def get(self, request, pk: int):
        need, slots = selectors.need_and_slots_for_ranking(user=request.user, need_id=pk)
        staff_needs_mfa(request, as_staff=need.owner_id != request.user.pk)
        ranked = candidates.ranked_offers_for_need(
            need=need, limit=_limit(request), need_slots=slots
        )
        return Response([_ranked_offer(p, profile) for p, profile in with_profiles(ranked)])


class OfferMatchesApi(MatchingApiMixin, APIView):
    query_serializer = RankingQuery

    @extend_schema(
        summary="Ranked needs for an offer (its helper, or staff of its council)",
        description=ordering_sentence("offer"),
        parameters=[RankingQuery],
        responses=RankedNeedSerializer(many=True),
    )
    def get(self, request, pk: int):
        offer, slots = selectors.offer_and_slots_for_ranking(user=request.user, offer_id=pk)
        staff_needs_mfa(request, as_staff=offer.helper_id != request.user.pk)
        ranked = candidates.ranked_needs_for_offer(
            offer=offer, limit=_limit(request), offer_slots=slots
        )
        return Response([_ranked_need(p) for p in ranked])


# --- Matches -------------------------------------------------------------------------------
class MatchOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    proposed_by = serializers.CharField()
    your_role = serializers.ChoiceField(choices=["citizen", "helper", "staff"])
    need_id = serializers.IntegerField()
    need_title = serializers.CharField()
    offer_id = serializers.IntegerField()
    category = serializers.CharField()
    other_person = serializers.CharField(help_text=gettext_lazy("Public name only."))
    other_approx_location = PointSerializer(allow_null=True)
    distance_band = serializers.CharField(allow_null=True, help_text=BAND_HELP)
    distance_label = serializers.CharField(allow_null=True, help_text=LABEL_HELP)
    waiting_for_you = serializers.BooleanField()
    decline_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


def match_data(*, match: Match, role: str | None) -> dict:
    need, offer = match.need, match.offer
    if role == "helper":
        other, other_point, own_point = need.owner, need.approx_location, offer.location
    else:
        # Citizens and staff look from the need.
        other, other_point, own_point = offer.helper, offer.approx_location, need.location
    metres = metres_between(own_point, other_point)
    waiting = match.status == Match.Status.PROPOSED and (
        (role == "citizen" and match.citizen_agreed_at is None)
        or (role == "helper" and match.helper_agreed_at is None)
    )
    return {
        "id": match.pk,
        "status": match.status,
        "status_label": match.get_status_display(),
        "proposed_by": match.proposed_by,
        "your_role": role,
        "need_id": need.pk,
        "need_title": need.title,
        "offer_id": offer.pk,
        "category": need.category.local_name,
        "other_person": other.public_name,
        "other_approx_location": _point(other_point),
        "distance_band": (band := distance_band(metres)),
        "distance_label": _label(band),
        "waiting_for_you": waiting,
        "decline_reason": match.decline_reason,
        "created_at": match.created_at,
        "accepted_at": match.accepted_at,
        "started_at": match.started_at,
        "completed_at": match.completed_at,
        "ended_at": match.ended_at,
    }


def _match_response(request, match: Match, code=status.HTTP_200_OK) -> Response:
    match = selectors.match_get(user=request.user, match_id=match.pk)
    role = selectors.match_role(user=request.user, match=match)
    return Response(match_data(match=match, role=role), status=code)


class MatchCreateInputSerializer(serializers.Serializer):
    need_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    offer_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class MatchListCreateApi(MatchingApiMixin, GenericAPIView):
    # Newest first, paged by cursor; `updated_after` for syncing (docs/api.md).
    serializer_class = MatchOutputSerializer
    cursor_ordering = ("-created_at", "-id")
    sync_field = "updated_at"

    @extend_schema(
        summary="Matches you are part of (staff with two-factor authentication: your council's)",
        responses=MatchOutputSerializer(many=True),
    )
    def get(self, request):
        # For everyone: staff without two-factor authentication list the matches they are one
        # of the two people of, as any person does; with it, all of their council's.
        user = request.user
        as_staff = selectors.staff_council_id(user) is not None and staff_has_mfa(user)
        matches = (
            self.paginate_queryset(
                selectors.matches_visible_to(user=user, as_staff=as_staff).select_related(
                    "need__category"
                )
            )
            or []
        )
        out = []
        for m in matches:
            out.append(match_data(match=m, role=selectors.match_role(user=request.user, match=m)))
        return self.get_paginated_response(out)

    @extend_schema(
        summary="Propose a match",
        description=(
            "A helper offers to help with a need (with their own offer), a citizen asks a "
            "helper (with their own need), or council staff propose a match."
        ),
        request=MatchCreateInputSerializer,
        responses={201: MatchOutputSerializer},
    )
    @idempotent
    def post(self, request):
        data = MatchCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        need_id, offer_id = data.validated_data["need_id"], data.validated_data["offer_id"]
        user = request.user
        if Offer.objects.filter(pk=offer_id, helper=user).exists():
            match = services.match_offer_help(helper=user, need_id=need_id, offer_id=offer_id)
        elif Need.objects.filter(pk=need_id, owner=user).exists():
            match = services.match_request(citizen=user, need_id=need_id, offer_id=offer_id)
        elif selectors.staff_council_id(user) is not None:
            staff_needs_mfa(request, as_staff=True)
            match = services.match_propose_by_staff(staff=user, need_id=need_id, offer_id=offer_id)
        else:
            raise exceptions.NotFound()
        return _match_response(request, match, status.HTTP_201_CREATED)


class MatchDetailApi(MatchingApiMixin, APIView):
    @extend_schema(summary="One match", responses=MatchOutputSerializer)
    def get(self, request, pk: int):
        match = selectors.match_get(user=request.user, match_id=pk)
        role = selectors.match_role(user=request.user, match=match)
        staff_needs_mfa(request, as_staff=role == "staff")
        return Response(match_data(match=match, role=role))


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def _action(name: str, service, *, with_reason: bool, summary: str):
    class _Api(MatchingApiMixin, APIView):
        @extend_schema(
            summary=summary,
            request=ReasonInputSerializer if with_reason else None,
            responses=MatchOutputSerializer,
            operation_id=f"match_{name}",
        )
        def post(self, request, pk: int):
            kwargs = {}
            if with_reason:
                data = ReasonInputSerializer(data=request.data)
                data.is_valid(raise_exception=True)
                kwargs["reason"] = data.validated_data["reason"]
            staff_needs_mfa(request, as_staff=match_as_staff(request, pk))
            match = service(user=request.user, match_id=pk, **kwargs)
            return _match_response(request, match)

    _Api.__name__ = f"Match{name.title()}Api"
    return _Api


MatchAcceptApi = _action(
    "accept", services.match_accept, with_reason=False, summary="Accept a proposed match"
)
MatchDeclineApi = _action(
    "decline",
    services.match_decline,
    with_reason=True,
    summary="Decline a proposed match (optional reason)",
)
MatchCancelApi = _action(
    "cancel",
    services.match_cancel,
    with_reason=True,
    summary="Cancel a match that has not finished",
)
MatchStartApi = _action(
    "start", services.match_start, with_reason=False, summary="Mark an accepted match as under way"
)
MatchCompleteApi = _action(
    "complete", services.match_complete, with_reason=False, summary="Mark a match as completed"
)
