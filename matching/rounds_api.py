"""The council staff's matching rounds API: start a round (worked out in the background, one
at a time per council), follow its progress, read it with its proposals and where greedy
matching would have differed, send all or some of its proposals, or discard it (a round
still being worked out is cancelled).
Staff only, with two-factor authentication, for their own council and only with the
`matching_rounds` capability (`matching.rounds.rounds_council_id`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Council
from accounts.permissions import Capability, staff_can, staff_has_mfa

from . import selectors
from .api import STAFF_MFA_MESSAGE, MatchingApiMixin
from .models import Round, RoundProposal
from .rounds import failure_said, round_apply, round_discard
from .tasks import round_start


class RoundOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Round.Status.choices)
    created_at = serializers.DateTimeField()
    progress = inline_serializer(
        "RoundProgress",
        {
            "stage": serializers.ChoiceField(
                choices=Round.Stage.choices,
                help_text=gettext_lazy(
                    "Empty while waiting for the worker; then building, solving, storing, done."
                ),
            ),
            "stage_name": serializers.CharField(),
            "done": serializers.IntegerField(help_text=gettext_lazy("N of M in this stage.")),
            "total": serializers.IntegerField(),
            "cancel_requested": serializers.BooleanField(),
            "failure": serializers.CharField(
                allow_blank=True, help_text=gettext_lazy("Why a failed round stopped.")
            ),
        },
    )
    summary = inline_serializer(
        "RoundSummary",
        {
            "needs": serializers.IntegerField(),
            "offers": serializers.IntegerField(),
            "pairs_considered": serializers.IntegerField(),
            "optimal": inline_serializer(
                "RoundOptimal",
                {
                    "needs_met": serializers.IntegerField(),
                    "total_score": serializers.FloatField(),
                },
            ),
            "greedy": inline_serializer(
                "RoundGreedy",
                {
                    "needs_met": serializers.IntegerField(),
                    "total_score": serializers.FloatField(),
                },
            ),
            "seconds": serializers.FloatField(),
            "greedy_differences": inline_serializer(
                "RoundGreedyDifference",
                {
                    "need_id": serializers.IntegerField(),
                    "offer_id": serializers.IntegerField(
                        allow_null=True,
                        help_text=gettext_lazy("None: greedy would have left the need unmet."),
                    ),
                    "score": serializers.FloatField(allow_null=True),
                },
                many=True,
                required=False,
                help_text=gettext_lazy(
                    "Greedy matching's pairs for each need it would have met otherwise "
                    "(absent from rounds run before they were kept)."
                ),
            ),
        },
    )
    proposals = inline_serializer(
        "RoundProposalOut",
        {
            "id": serializers.IntegerField(),
            "outcome": serializers.ChoiceField(choices=RoundProposal.Outcome.choices),
            "need_id": serializers.IntegerField(),
            "need_title": serializers.CharField(),
            "offer_id": serializers.IntegerField(),
            "helper_name": serializers.CharField(),
            "score": serializers.FloatField(),
            "explanation": serializers.CharField(),
        },
        many=True,
    )


def _round(rnd) -> dict:
    proposals = rnd.proposals.select_related("need", "offer__helper").order_by("-score", "id")
    return {
        "id": rnd.pk,
        "status": rnd.status,
        "created_at": rnd.created_at,
        "progress": {
            "stage": rnd.stage,
            "stage_name": rnd.get_stage_display(),
            "done": rnd.progress_done,
            "total": rnd.progress_total,
            "cancel_requested": rnd.cancel_requested_at is not None,
            "failure": failure_said(rnd.failure) if rnd.failure else "",
        },
        "summary": rnd.summary,
        "proposals": [
            {
                "id": p.pk,
                "outcome": p.outcome,
                "need_id": p.need_id,
                "need_title": p.need.title,
                "offer_id": p.offer_id,
                "helper_name": p.offer.helper.public_name,
                "score": p.score,
                "explanation": p.why,
            }
            for p in proposals
        ],
    }


def _staff_council(request):
    council_id = selectors.staff_council_id(request.user)
    if council_id is None:
        raise exceptions.NotFound()
    return Council.objects.get(pk=council_id)


class RoundsStaffMixin(MatchingApiMixin):
    """Rounds are for council staff whose role holds `matching_rounds`; anyone else gets a
    404, so nobody learns a round exists (the services check the same capability again).
    Staff without two-factor authentication get a 403, as on every staff tool."""

    required_capability = Capability.MATCHING_ROUNDS

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not staff_can(request.user, self.required_capability):
            raise exceptions.NotFound()
        if not staff_has_mfa(request.user):
            raise exceptions.PermissionDenied(STAFF_MFA_MESSAGE)


class RoundListCreateApi(RoundsStaffMixin, APIView):
    @extend_schema(
        summary="Start a matching round over your council's open needs and offers",
        description=(
            "The round is worked out in the background: follow `status` and `progress` on "
            "the round until it is `proposed`. 409 `round_running` while another round of "
            "your council is being worked out."
        ),
        request=None,
        responses={
            201: RoundOutputSerializer,
            409: inline_serializer(
                "RoundRunning",
                {
                    "detail": serializers.CharField(),
                    "code": serializers.CharField(),
                    "round_id": serializers.IntegerField(
                        required=False,
                        help_text=gettext_lazy("The round being worked out, when known."),
                    ),
                },
            ),
        },
    )
    def post(self, request):
        # `round_running` is a 409 problem carrying `round_id` (config.api.CODE_KINDS).
        rnd = round_start(council=_staff_council(request), actor=request.user)
        return Response(_round(rnd), status=status.HTTP_201_CREATED)


class RoundDetailApi(RoundsStaffMixin, APIView):
    @extend_schema(summary="A round and its proposals", responses=RoundOutputSerializer)
    def get(self, request, pk: int):
        rnd = Round.objects.filter(pk=pk, council=_staff_council(request)).first()
        if rnd is None:
            raise exceptions.NotFound()
        return Response(_round(rnd))


class RoundApplyInputSerializer(serializers.Serializer):
    proposal_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text=gettext_lazy(
            "The proposals to send, by their `id` in this round; without it, all of "
            "them. The others are recorded as not sent and nobody is told of them."
        ),
    )


class RoundApplyApi(RoundsStaffMixin, APIView):
    @extend_schema(
        summary="Send a round's proposals (all, or those listed) to the people in them",
        request=RoundApplyInputSerializer,
        responses=inline_serializer(
            "RoundApplyOut",
            {
                "sent": serializers.IntegerField(),
                "not_sent": serializers.IntegerField(
                    help_text=gettext_lazy("Left out of `proposal_ids`.")
                ),
                "skipped": serializers.IntegerField(help_text=gettext_lazy("No longer possible.")),
            },
        ),
    )
    def post(self, request, pk: int):
        form = RoundApplyInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(
            round_apply(
                staff=request.user,
                round_id=pk,
                proposal_ids=form.validated_data.get("proposal_ids"),
            )
        )


class RoundDiscardApi(RoundsStaffMixin, APIView):
    @extend_schema(
        summary="Discard a round, or cancel one still being worked out",
        description=(
            "A round still being worked out is cancelled: at once if it is waiting for the "
            "worker, else at its job's next checkpoint, storing no proposals."
        ),
        request=None,
        responses=RoundOutputSerializer,
    )
    def post(self, request, pk: int):
        return Response(_round(round_discard(staff=request.user, round_id=pk)))
