"""Needs through the API: your own, recording one (also by staff for a person), changing,
submitting and withdrawing it, and open needs near you."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import (
    STAFF_MFA_MESSAGE,
    Capability,
    staff_council_for,
    staff_council_id,
    staff_has_mfa,
)
from accounts.selectors import person_of_council
from core.audit import audit_record
from core.idempotency import idempotent
from marketplace import selectors, services
from marketplace.api.common import (
    MAX_ID,
    BrowseQuery,
    CategorySlugField,
    LatLonField,
    LatLonSerializer,
    ListingOutputBase,
    ListingPagination,
    MarketplaceApiMixin,
    NearApi,
    PublicNameField,
    StaffMixin,
    dietary_field,
    languages_field,
    service_kwargs,
    slots_field,
)
from marketplace.models import GenderPreference, Need, Urgency


def _staff_changing_a_need_needs_mfa(request, pk: int) -> None:
    """Changing someone else's need is a staff action (staff keep a need they recorded for a
    person up to date), so it needs two-factor authentication: a 403 with the staff tools'
    message, as in the matching API. Asked before the need is looked up, so a need of their
    council that only staff may see answers the same 403 (not a citizen's 404). A member of
    staff changing their own need is a citizen there and needs no authenticator app."""
    council_id = staff_council_id(request.user)
    if council_id is None or not 0 < pk <= MAX_ID or staff_has_mfa(request.user):
        return
    if selectors.council_need_of_someone_else(council_id=council_id, need_id=pk, user=request.user):
        raise exceptions.PermissionDenied(STAFF_MFA_MESSAGE)


# --- Needs: serializers ----------------------------------------------------------------------
class NeedPublicOutput(ListingOutputBase):
    """A need as other signed-in people see it: no exact place, postcode or contact details."""

    owner_id = serializers.IntegerField()
    owner_name = PublicNameField(source="owner")
    urgency = serializers.CharField()
    timing = serializers.CharField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    helper_gender_preference = serializers.CharField()
    dietary_requirements = serializers.ListField(child=serializers.CharField())
    helpers_wanted = serializers.IntegerField()


class NeedOwnerOutput(NeedPublicOutput):
    """The owner's own need, with its exact place and its moderation state."""

    status = serializers.CharField()
    closed_reason = serializers.CharField()
    rejection_reason = serializers.CharField(
        help_text=gettext_lazy("Why a moderator turned it down.")
    )
    version = serializers.IntegerField()
    postcode = serializers.CharField()
    location = LatLonField()
    council = serializers.CharField(source="council.local_name")
    recorded_on_behalf = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_recorded_on_behalf(self, obj) -> bool:
        return obj.recorded_by_id is not None


class NeedStaffQueueOutput(NeedPublicOutput):
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    recorded_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class NeedStaffOutput(NeedOwnerOutput):
    """For staff of the need's council: everything the owner sees, and who recorded it
    (each read is audited)."""

    recorded_by_id = serializers.IntegerField(allow_null=True)
    consent_recorded_at = serializers.DateTimeField(allow_null=True)
    consent_note = serializers.CharField()


class NeedCreateInput(serializers.Serializer):
    category = CategorySlugField()
    title = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=2000)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    location = LatLonSerializer(
        required=False,
        help_text=gettext_lazy("A map pin, when there is no postcode. Default: your home."),
    )
    timing = serializers.ChoiceField(choices=Need.Timing.choices, default=Need.Timing.WEEKLY)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    slots = slots_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    languages = languages_field()
    helper_gender_preference = serializers.ChoiceField(
        choices=GenderPreference.choices, default=GenderPreference.ANY
    )
    dietary_requirements = dietary_field()
    helpers_wanted = serializers.IntegerField(min_value=1, max_value=10, default=1)
    submit = serializers.BooleanField(
        default=True, help_text=gettext_lazy("False keeps it as a draft to finish later.")
    )


class StaffNeedCreateInput(NeedCreateInput):
    owner_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    consent_given = serializers.BooleanField()
    consent_note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class NeedUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("The version you started editing.")
    )
    category = CategorySlugField(required=False)
    title = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(max_length=2000, required=False)
    postcode = serializers.CharField(max_length=16, required=False)
    location = LatLonSerializer(required=False)
    timing = serializers.ChoiceField(choices=Need.Timing.choices, required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    slots = slots_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    languages = languages_field()
    helper_gender_preference = serializers.ChoiceField(
        choices=GenderPreference.choices, required=False
    )
    dietary_requirements = dietary_field()
    helpers_wanted = serializers.IntegerField(min_value=1, max_value=10, required=False)


# What `_need_output` answers: one of the three views, by who reads (closed objects in the
# schema, so a body matches exactly one: config.schema).
NEED_VIEWS = PolymorphicProxySerializer(
    component_name="NeedView",
    serializers=[NeedStaffOutput, NeedOwnerOutput, NeedPublicOutput],
    resource_type_field_name=None,
)


def _need_output(*, need: Need, viewer: User, audit: bool = True) -> dict:
    context = {"viewer": viewer}
    if need.owner_id == viewer.pk:
        return NeedOwnerOutput(need, context=context).data
    if selectors.can_see_exact_location(user=viewer, listing=need):
        if audit:
            audit_record(actor=viewer, verb="need.viewed", target=need)
        return NeedStaffOutput(need, context=context).data
    return NeedPublicOutput(need, context=context).data


def _reload_need(need: Need, viewer: User) -> Need:
    return selectors.access_need(user=viewer, need_id=need.pk)


# --- Needs: views ----------------------------------------------------------------------------
class NeedListCreateApi(MarketplaceApiMixin, generics.ListAPIView):
    """Your own needs, newest first, and recording a new one."""

    serializer_class = NeedOwnerOutput
    pagination_class = ListingPagination
    sync_field = "updated_at"

    def get_queryset(self):
        return selectors.needs_of_owner(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(summary="Your own needs", responses=NeedOwnerOutput(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a need",
        request=NeedCreateInput,
        responses={201: NeedOwnerOutput},
    )
    @idempotent
    def post(self, request):
        payload = NeedCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        need = services.need_create(owner=request.user, **service_kwargs(payload.validated_data))
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user), status=201)


class NeedDetailApi(MarketplaceApiMixin, APIView):
    """One need. Reading is for everyone, so staff without two-factor authentication read as
    any person does (their own needs and public open ones, public fields, nothing audited):
    a need of their council that only staff may see is "not found", as for a citizen.
    Changing someone else's need is a staff action: 403 without two-factor authentication."""

    @extend_schema(
        summary="One need",
        description="The owner gets NeedOwnerOutput, staff of the need's council (audited) "
        "NeedStaffOutput, both with the exact place; everyone else who may see the need gets "
        "NeedPublicOutput.",
        responses=NEED_VIEWS,
    )
    def get(self, request, pk: int):
        need = selectors.access_need(user=request.user, need_id=pk)
        return Response(_need_output(need=need, viewer=request.user))

    @extend_schema(
        summary="Change your need",
        request=NeedUpdateInput,
        responses={200: NEED_VIEWS},
    )
    def patch(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        payload = NeedUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = service_kwargs(payload.validated_data)
        version = data.pop("version")
        services.need_update(actor=request.user, need=need, version=version, data=data)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class NeedSubmitApi(MarketplaceApiMixin, APIView):
    @extend_schema(summary="Send a draft need for review", request=None, responses=NEED_VIEWS)
    def post(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        services.need_submit(actor=request.user, need=need)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class NeedWithdrawApi(MarketplaceApiMixin, APIView):
    @extend_schema(summary="Withdraw your need", request=None, responses=NEED_VIEWS)
    def post(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        services.need_withdraw(actor=request.user, need=need)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class NeedsNearApi(NearApi):
    """Open needs of other people, nearest to your home first."""

    serializer_class = NeedPublicOutput
    kind = "need"

    @extend_schema(summary="Open needs near you", parameters=[BrowseQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffNeedCreateApi(StaffMixin, APIView):
    """Record a need for someone who is not online, with their consent."""

    required_capability = Capability.CONSOLE

    @extend_schema(
        summary="Record a need on someone's behalf",
        request=StaffNeedCreateInput,
        responses={201: NeedStaffOutput},
    )
    @idempotent
    def post(self, request):
        payload = StaffNeedCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = service_kwargs(payload.validated_data)
        council = staff_council_for(request.user)
        owner = person_of_council(council=council, person_id=data.pop("owner_id"))
        if owner is None:
            raise serializers.ValidationError(
                {"owner_id": _("No person with that number in your council.")}
            )
        need = services.need_create(owner=owner, recorded_by=request.user, **data)
        need = selectors.access_need(user=request.user, need_id=need.pk)
        return Response(_need_output(need=need, viewer=request.user, audit=False), status=201)
