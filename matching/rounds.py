"""Matching rounds: an optimal assignment over all of a council's open needs and offers,
proposed for staff review beside the greedy assignment of the same input.

1. Edges: every eligible (need, offer) pair. The council's open listings are read in two
   statements and paired with a KD-tree per category (each helper's own radius), then the
   same hard constraints as the candidate search are applied. Each need keeps its
   `ROUND_EDGES_PER_NEED` nearest eligible offers, which keeps the problem linear in the
   number of needs.
   Both sides are placed at their grid cell centres (`approx_location`), never their exact
   homes, like the candidate search: no proposal depends on where inside a cell a home is.
   The hard constraints are `matching.eligibility`'s: its SQL for the listings (open, people
   able to match, check levels held), its Python checks for each pair
   (`matching.round_pairs`).
2. Scores: the same component registry, `combine` and council weights as ranking
   (`matching.scoring`), from the same facts (`matching.history` for people's past),
   computed a component at a time for all pairs.
3. Assignment: a bipartite b-matching (a need takes up to its free places, an offer up to
   its free capacity). Lexicographic objective: first the most places filled, then the
   highest total score among assignments that fill that many. Solved as a minimum-cost
   maximum flow with OR-tools (`SimpleMinCostFlow.solve_max_flow_with_min_cost`): source →
   need (its free places) → offer (one unit per pair, costing minus its score in integer
   ten-thousandths) → sink (the offer's free capacity). The maximum flow is the most places
   filled, and among maximum flows the cheapest has the highest total score: exactly the
   lexicographic goal, in integers, with an integral answer.
4. Greedy for comparison: best score first while both sides have room. The round keeps its
   figures and, for each need it would have met otherwise, its pairs
   (`greedy_differences`), for staff to see where the two part.
5. Review: staff send the proposals they tick (`round_apply`); the others are recorded as
   not sent and nobody is told of them.

A round runs as a background job (`matching.tasks.round_build`, started by `round_start`),
one at a time per council: a PostgreSQL advisory lock keyed on the council is held while it
runs, and a second start is refused while one is waiting or running. The job records its
stage and its N of M on the `Round` row, and at each of those checkpoints stops if staff
asked to cancel it; the proposals are written in one transaction, so a cancelled or failed
round stores none of them.

"Needs met" counts places filled: a need asking for two helpers counts twice.

Steps 1 and 2 (the problem, and the progress a job writes) are in `matching.round_problem`,
steps 3 and 4 (the two assignments) in `matching.round_solve`; this module runs them as a
round and holds what staff do with it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_id
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.i18n import speaking
from places.geo import distance_band

from . import scoring
from .models import Match, Round, RoundProposal
from .round_problem import (
    Problem,
    Progress,
    RoundCancelled,
    build_problem,
)
from .round_solve import (
    Assignment,
    greedy_assignment,
    greedy_differences,
    optimal_assignment,
)
from .scoring import council_weights
from .services import match_propose_by_staff

# First key of the advisory lock a running round holds (the second is the council's id).
ROUND_LOCK_KEY = 7401
# How many more times a job asks for its council's lock, a tenth of a second apart.
ROUND_LOCK_TRIES = 20
# A queued round no worker has picked up after this long was lost with its message.
ROUND_QUEUE_STALE = dt.timedelta(minutes=15)
# Scores are rounded to 4 places (`scoring.combine`): in ten-thousandths they are exact
# Explanations are written this many proposals at a time, each batch a checkpoint.
EXPLAIN_BATCH = 5_000

SOLVE_STEPS = 2  # the optimal assignment, the greedy one


# --- Services -------------------------------------------------------------------------------
def _summary(problem: Problem, best: Assignment, greedy: Assignment, seconds: float) -> dict:
    return {
        "needs": len(problem.need_ids),
        "offers": len(problem.offer_ids),
        "pairs_considered": len(problem.edges),
        "optimal": {"needs_met": best.needs_met, "total_score": best.total_score},
        "greedy": {"needs_met": greedy.needs_met, "total_score": greedy.total_score},
        "seconds": round(seconds, 3),
        "greedy_differences": greedy_differences(problem, best, greedy),
    }


def rounds_council_id(user: User) -> int | None:
    """The council whose rounds `user` may run, review, send and discard: active staff whose
    role holds the `matching_rounds` capability (accounts.permissions), else None."""
    council_id = staff_council_id(user)
    if council_id is None or not staff_can(user, Capability.MATCHING_ROUNDS):
        return None
    return council_id


def _running_refusal(rnd: Round | None) -> ApplicationError:
    return ApplicationError(
        _(
            "A round for your council is already being worked out. Wait for it to finish, "
            "or cancel it, before starting another."
        ),
        code="round_running",
        extra={"round_id": rnd.pk} if rnd is not None else {},
    )


def _try_lock(council_id: int, *, session: bool) -> bool:
    """The council's round lock: for this transaction (while a round is recorded), or for
    the session (while one runs). Both kinds conflict with each other across sessions."""
    function = "pg_try_advisory_lock" if session else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ROUND_LOCK_KEY, council_id])
        return bool(cursor.fetchone()[0])


def _unlock(council_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ROUND_LOCK_KEY, council_id])


def round_stop(rnd_id: int, status: str, failure: str = "") -> None:
    """Mark a round still being worked out as stopped (cancelled, or failed: `FAILURES`)."""
    Round.objects.filter(pk=rnd_id, status__in=Round.ACTIVE).update(
        status=status, failure=failure, finished_at=timezone.now()
    )


# Why a round stopped without proposals, as staff read it (`Round.failure`).
FAILURES = {
    "lost": _("The job working out this round stopped before it finished."),
    "not_started": _("The round could not be handed to the background worker."),
    "error": _("Kith hit an error while working out this round."),
}


def failure_said(code: str) -> str:
    return str(FAILURES.get(code, FAILURES["error"]))


def round_open(*, council: Council, actor: User | None = None) -> Round:
    """Record a round waiting to be worked out for `council`, unless one already is.

    Refused (`round_running`) while another round of the council is waiting or running:
    the check and the new row are made under the council's round lock for this transaction,
    which conflicts with the session lock a running round holds. A round left running by a
    job that died (its lock gone with its session), or waiting longer than
    `ROUND_QUEUE_STALE` (its message lost), is marked as stopped first."""
    if actor is not None and rounds_council_id(actor) != council.pk:
        raise NotFound()
    with transaction.atomic():
        if not _try_lock(council.pk, session=False):
            raise _running_refusal(
                Round.objects.filter(council=council, status__in=Round.ACTIVE).first()
            )
        # We hold the lock, so no job is running: a running row was left by a dead one.
        Round.objects.filter(council=council, status=Round.Status.RUNNING).update(
            status=Round.Status.FAILED, failure="lost", finished_at=timezone.now()
        )
        Round.objects.filter(
            council=council,
            status=Round.Status.QUEUED,
            created_at__lt=timezone.now() - ROUND_QUEUE_STALE,
        ).update(status=Round.Status.FAILED, failure="lost", finished_at=timezone.now())
        waiting = Round.objects.filter(council=council, status__in=Round.ACTIVE).first()
        if waiting is not None:
            raise _running_refusal(waiting)
        return Round.objects.create(council=council, created_by=actor, status=Round.Status.QUEUED)


@contextmanager
def _round_lock(council_id: int) -> Iterator[bool]:
    """The council's round lock for this session, held while the body runs (False: another
    session holds it). A start refused meanwhile holds it for a moment (`round_open`), so
    it is asked again for a little while before giving up."""
    held = _try_lock(council_id, session=True)
    for _attempt in range(ROUND_LOCK_TRIES):
        if held:
            break
        time.sleep(0.1)
        held = _try_lock(council_id, session=True)
    try:
        yield held
    finally:
        if held:
            _unlock(council_id)


def round_compute(round_id: int) -> Round:
    """Work out a waiting round: build the problem, solve it, store its proposals, with its
    stage and N of M on its row and a checkpoint at each step (staff may cancel it). The
    background job (`matching.tasks.round_build`) runs this, outside any transaction, so
    its progress is seen as it goes; the proposals are written in one transaction."""
    rnd = Round.objects.select_related("council").get(pk=round_id)
    with _round_lock(rnd.council_id) as held:
        if not held:  # a job for another round of the council got there first
            round_stop(round_id, Round.Status.FAILED, "lost")
        elif Round.objects.filter(pk=round_id, status=Round.Status.RUNNING).exists():
            round_stop(round_id, Round.Status.FAILED, "lost")  # a redelivered job: the first died
        elif Round.objects.filter(
            pk=round_id, status=Round.Status.QUEUED, cancel_requested_at__isnull=True
        ).update(status=Round.Status.RUNNING, started_at=timezone.now()):
            try:
                _compute(rnd)
            except RoundCancelled:
                round_stop(round_id, Round.Status.CANCELLED)
            except Exception:
                round_stop(round_id, Round.Status.FAILED, "error")
                raise
    rnd.refresh_from_db()
    return rnd


def _compute(rnd: Round) -> None:
    council = rnd.council
    progress = Progress(rnd.pk)
    started = time.perf_counter()
    problem = build_problem(council=council, progress=progress)
    progress.start(Round.Stage.SOLVING, SOLVE_STEPS)
    best = optimal_assignment(problem)
    progress.step()
    greedy = greedy_assignment(problem)
    progress.step()
    seconds = time.perf_counter() - started
    summary = _summary(problem, best, greedy, seconds)
    progress.start(Round.Stage.STORING, len(best.chosen))
    rows = []
    for at in range(0, len(best.chosen), EXPLAIN_BATCH):
        batch = best.chosen[at : at + EXPLAIN_BATCH]
        rows += _explained(problem, batch, council=council)
        progress.step(len(batch))
    with transaction.atomic():
        # Under the row lock: staff cancelling now wait, and find the round proposed.
        locked = Round.objects.select_for_update().get(pk=rnd.pk)
        if locked.cancel_requested_at is not None or locked.status != Round.Status.RUNNING:
            raise RoundCancelled()
        _copy_proposals(rnd.pk, rows)
        locked.summary = summary
        locked.status = Round.Status.PROPOSED
        locked.stage = Round.Stage.DONE
        locked.progress_done = locked.progress_total = len(rows)
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=[
                "summary",
                "status",
                "stage",
                "progress_done",
                "progress_total",
                "finished_at",
            ]
        )
        # The audit row keeps to the figures; greedy's pairs stay with the round.
        figures = {k: v for k, v in summary.items() if k != "greedy_differences"}
        audit_record(
            actor=rnd.created_by,
            verb="round.proposed",
            target=locked,
            council=council,
            data=figures,
        )


def _explained(problem: Problem, chosen: list[int], *, council: Council) -> list[tuple]:
    """(need id, offer id, score, English, Welsh) for the pairs at `chosen`. Explanations
    are stored and shown to other people (staff, then both people of a sent match) who may
    read English or Welsh, so each is written in both, from the facts that scored it."""
    if not chosen:
        return []
    assert problem.facts is not None
    weights = council_weights(council)
    names = list(problem.components)
    values = np.column_stack([problem.components[k][chosen] for k in names]).tolist()
    pairs = []
    for i, row in zip(chosen, values, strict=True):
        facts = problem.facts(i)
        pairs.append((facts, dict(zip(names, row, strict=True)), distance_band(facts.approx_m)))
    words = []
    for language in ("en-gb", "cy"):
        with speaking(language):
            words.append(
                [
                    scoring.explain(
                        viewer="need",
                        band=band,
                        facts=facts,
                        components=components,
                        weights=weights,
                    )[:400]
                    for facts, components, band in pairs
                ]
            )
    return [
        (*problem.edges[i], problem.scores[i], english, welsh)
        for i, english, welsh in zip(chosen, *words, strict=True)
    ]


def _copy_proposals(round_id: int, rows: list[tuple]) -> None:
    """Store the proposals with one COPY (tens of thousands at a large council)."""
    table = RoundProposal._meta.db_table
    waiting = str(RoundProposal.Outcome.WAITING)
    columns = "round_id, need_id, offer_id, score, explanation, explanation_cy, outcome"
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for need_id, offer_id, score, english, welsh in rows:
            copy.write_row((round_id, need_id, offer_id, score, english, welsh, waiting))


def round_run(*, council: Council, actor: User | None = None) -> Round:
    """Work out a round for `council` in this process, start to finish, and store its
    proposals for staff review (the management command; tests). `actor` is a member of
    that council's staff, or None for the management command. The same lock and the same
    refusal as a round started in the background."""
    rnd = round_open(council=council, actor=actor)
    return round_compute(rnd.pk)


def _round_to_decide(*, staff: User, round_id: int) -> Round:
    """The round, row-locked, if `staff` may decide it and nobody has yet: its state is read
    under the lock, so a second press, a second tab or a second client waits for the first
    decision and is then refused."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if rnd.is_active:
        raise ApplicationError(_("This round is still being worked out."), code="round_not_ready")
    if rnd.status != Round.Status.PROPOSED:
        raise ApplicationError(_("This round has already been decided."), code="round_decided")
    return rnd


def _chosen(proposals: list[RoundProposal], proposal_ids: Iterable[int] | None) -> set[int]:
    """The ids of the proposals to send: all of them when `proposal_ids` is None, else those
    listed, which must all be the round's and at least one."""
    ours = {p.pk for p in proposals}
    chosen = ours if proposal_ids is None else set(proposal_ids)
    unknown = sorted(chosen - ours)
    if unknown:
        raise ApplicationError(
            _("These proposals are not part of this round: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in unknown)},
            code="round_proposal_unknown",
            extra={"proposal_ids": unknown},
        )
    if not chosen:
        raise ApplicationError(
            _("Choose at least one proposed match to send."), code="round_nothing_selected"
        )
    return chosen


def _send(*, staff: User, proposal: RoundProposal) -> Match | None:
    """Propose one pair to both people; None if it is no longer possible (a need taken, a
    helper paused), with nothing of the attempt kept."""
    try:
        with transaction.atomic():
            return match_propose_by_staff(
                staff=staff,
                need_id=proposal.need_id,
                offer_id=proposal.offer_id,
                proposed_by=Match.ProposedBy.ROUND,
                score=proposal.score,
                explanation=proposal.explanation,
                explanation_cy=proposal.explanation_cy,
            )
    except ApplicationError:
        return None


@transaction.atomic
def round_apply(
    *, staff: User, round_id: int, proposal_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Send the round's proposals listed in `proposal_ids` (all of them when None) to the
    people in them, as matches both must agree to. The others are recorded as not sent and
    nobody is told of them; pairs no longer possible are skipped. A round is sent once.
    Returns, as the audit row records, how many were sent, not sent and skipped."""
    rnd = _round_to_decide(staff=staff, round_id=round_id)
    proposals = list(rnd.proposals.order_by("-score", "id"))
    chosen = _chosen(proposals, proposal_ids)
    counts = {"sent": 0, "not_sent": 0, "skipped": 0}
    for proposal in proposals:
        if proposal.pk not in chosen:
            proposal.outcome, key = RoundProposal.Outcome.NOT_SELECTED, "not_sent"
        elif (match := _send(staff=staff, proposal=proposal)) is None:
            proposal.outcome, key = RoundProposal.Outcome.SKIPPED, "skipped"
        else:
            proposal.outcome, proposal.match, key = RoundProposal.Outcome.SENT, match, "sent"
        counts[key] += 1
    RoundProposal.objects.bulk_update(proposals, ["outcome", "match"])
    rnd.status = Round.Status.APPLIED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.applied", target=rnd, data=counts)
    return counts


@transaction.atomic
def round_discard(*, staff: User, round_id: int) -> Round:
    """Discard a round: none of its proposals is sent, and nobody is told of them. A round
    still being worked out is cancelled instead (`round_cancel`)."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    if Round.objects.filter(pk=round_id, council_id=council_id, status__in=Round.ACTIVE).exists():
        return round_cancel(staff=staff, round_id=round_id)
    rnd = _round_to_decide(staff=staff, round_id=round_id)
    rnd.proposals.update(outcome=RoundProposal.Outcome.DISCARDED)
    rnd.status = Round.Status.DISCARDED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.discarded", target=rnd)
    return rnd


@transaction.atomic
def round_cancel(*, staff: User, round_id: int) -> Round:
    """Cancel a round still being worked out. One waiting for the worker is cancelled at
    once; a running one when its job reaches its next checkpoint, storing none of its
    proposals (the job writes them under the round's row lock, so a cancel either comes
    first or finds the round worked out and is refused)."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if not rnd.is_active:
        raise ApplicationError(
            _("This round has already finished: it can no longer be cancelled."),
            code="round_finished",
        )
    now = timezone.now()
    if rnd.cancel_requested_at is None:
        rnd.cancel_requested_at = now
        fields = ["cancel_requested_at"]
        if rnd.status == Round.Status.QUEUED:
            rnd.status, rnd.finished_at = Round.Status.CANCELLED, now
            fields += ["status", "finished_at"]
        rnd.save(update_fields=fields)
        audit_record(actor=staff, verb="round.cancelled", target=rnd)
    return rnd
