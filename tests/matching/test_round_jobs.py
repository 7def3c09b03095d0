"""Rounds as background jobs: one at a time per council (a PostgreSQL advisory lock, checked
here from a second connection), their stage and N of M on the round's row, cancelled by staff
at the job's next checkpoint with nothing stored, failures marked and the lock let go; the
staff page and the API show it all, and the Celery task runs in the process in tests.

Tests that look at the lock from another session after a round has been recorded commit
their data (`transaction=True`): inside a test's transaction the lock `round_open` takes for
its transaction would be held until the test ends."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app
from core.errors import ApplicationError
from core.models import AuditEvent
from matching import rounds
from matching.models import Round, RoundProposal
from matching.rounds import (
    ROUND_LOCK_KEY,
    round_cancel,
    round_compute,
    round_discard,
    round_open,
    round_run,
)
from matching.tasks import round_start
from tests.kit import factories as make


def _pairs(council, count: int = 3) -> None:
    """`count` needs, each with one offer near it and nothing else in reach."""
    for k in range(count):
        east = (k - count // 2) * 10_000
        make.offer_row(council=council, at=make.point_at(east, 0), radius_m=2000)
        make.need_row(council=council, at=make.point_at(east + 300, 0))


def _other_session() -> psycopg.Connection:
    """A second connection to the test database: another web node, worker or shell."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        autocommit=True,
    )


def _lock_free_elsewhere(council_id: int) -> bool:
    """Whether another session could take the council's round lock (and gives it back)."""
    with _other_session() as other:
        got = other.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", (ROUND_LOCK_KEY, council_id)
        ).fetchone()[0]
        if got:
            other.execute("SELECT pg_advisory_unlock(%s, %s)", (ROUND_LOCK_KEY, council_id))
        return got


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- One at a time per council ---------------------------------------------------------------
@pytest.mark.django_db
def test_a_start_is_refused_while_another_session_holds_the_councils_lock(mcouncil, client):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    elsewhere = make.council()
    _pairs(mcouncil)
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", (ROUND_LOCK_KEY, mcouncil.pk))
        with pytest.raises(ApplicationError) as refused:
            round_run(council=mcouncil, actor=staff)
        assert refused.value.code == "round_running"
        assert "already being worked out" in refused.value.message
        # The API: 409 with the code; the web page: the same words, nothing started.
        response = _api(staff).post("/api/v1/staff/rounds/")
        assert response.status_code == 409
        assert response.json()["code"] == "round_running"
        assert "already being worked out" in response.json()["detail"]
        client.force_login(staff)
        page = client.post(reverse("staff:rounds"), follow=True).content.decode()
        assert "already being worked out" in page
        assert not Round.objects.filter(council=mcouncil).exists()
        # The lock is the council's: another council's round goes ahead.
        assert round_run(council=elsewhere).status == Round.Status.PROPOSED
        # The other session lets go (closing it would too, once its server process has
        # ended, which is not at once: unlocking first keeps the test from racing that).
        other.execute("SELECT pg_advisory_unlock(%s, %s)", (ROUND_LOCK_KEY, mcouncil.pk))
    rnd = round_run(council=mcouncil, actor=staff)
    assert rnd.status == Round.Status.PROPOSED and rnd.proposals.count() == 3


@pytest.mark.django_db
def test_a_waiting_round_refuses_a_second_start_and_is_cancelled_at_once(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    _pairs(mcouncil)
    waiting = round_open(council=mcouncil, actor=staff)
    assert waiting.status == Round.Status.QUEUED
    with pytest.raises(ApplicationError) as refused:
        round_open(council=mcouncil, actor=staff)
    assert refused.value.code == "round_running"
    assert refused.value.extra == {"round_id": waiting.pk}
    response = _api(staff).post("/api/v1/staff/rounds/")
    assert (response.status_code, response.json()["round_id"]) == (409, waiting.pk)

    assert round_discard(staff=staff, round_id=waiting.pk).status == Round.Status.CANCELLED
    # Its job, arriving later, finds it cancelled and does nothing.
    assert round_compute(waiting.pk).status == Round.Status.CANCELLED
    assert not RoundProposal.objects.exists()
    assert AuditEvent.objects.filter(verb="round.cancelled", target_id=waiting.pk).exists()
    assert round_run(council=mcouncil, actor=staff).proposals.count() == 3


@pytest.mark.django_db
def test_a_round_left_running_by_a_dead_job_does_not_block_the_council(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    _pairs(mcouncil, 1)
    # Running, but no session holds the lock: its worker died with it.
    dead = Round.objects.create(council=mcouncil, status=Round.Status.RUNNING, stage="solving")
    rnd = round_run(council=mcouncil, actor=staff)
    assert rnd.status == Round.Status.PROPOSED
    dead.refresh_from_db()
    assert (dead.status, dead.failure) == (Round.Status.FAILED, "lost")
    # A job redelivered for a round already running (its first worker died) stops it too.
    again = Round.objects.create(council=mcouncil, status=Round.Status.RUNNING)
    assert round_compute(again.pk).status == Round.Status.FAILED


@pytest.mark.django_db
def test_a_job_that_cannot_take_its_councils_lock_stops_its_round(mcouncil, monkeypatch):
    """Two jobs for one council (a round started while the lock was briefly free, a
    management command): the second asks for the lock a few times, then stops its round."""
    _pairs(mcouncil, 1)
    monkeypatch.setattr(rounds, "ROUND_LOCK_TRIES", 2)
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", (ROUND_LOCK_KEY, mcouncil.pk))
        queued = Round.objects.create(council=mcouncil, status=Round.Status.QUEUED)
        done = round_compute(queued.pk)
    assert (done.status, done.failure) == (Round.Status.FAILED, "lost")
    assert not RoundProposal.objects.exists()


# --- Progress, and the lock held while a job runs -----------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_stage_and_its_n_of_m_are_written_while_the_job_holds_the_lock(mcouncil, monkeypatch):
    _pairs(mcouncil)
    seen, held = [], []
    write = rounds.Progress._write

    def spy(progress):
        write(progress)
        seen.append(
            Round.objects.values_list("stage", "progress_done", "progress_total").get(
                pk=progress.round_id
            )
        )
        if (progress.stage, progress.done) == ("solving", 0):
            held.append(not _lock_free_elsewhere(mcouncil.pk))

    monkeypatch.setattr(rounds.Progress, "_write", spy)
    rnd = round_run(council=mcouncil)
    assert seen == [("building", k, 4) for k in range(5)] + [
        ("solving", 0, 2),
        ("solving", 1, 2),
        ("solving", 2, 2),
        ("storing", 0, 3),
        ("storing", 3, 3),
    ]
    assert held == [True]  # another session could not take the lock meanwhile
    assert (rnd.status, rnd.stage, rnd.progress_done, rnd.progress_total) == (
        Round.Status.PROPOSED,
        Round.Stage.DONE,
        3,
        3,
    )
    assert rnd.started_at <= rnd.finished_at
    assert _lock_free_elsewhere(mcouncil.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failing_round_is_marked_failed_and_lets_go_of_the_lock(mcouncil, monkeypatch):
    _pairs(mcouncil)

    def broken(problem):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(rounds, "optimal_assignment", broken)
    with pytest.raises(RuntimeError):
        round_run(council=mcouncil)
    rnd = Round.objects.get()
    assert (rnd.status, rnd.failure, rnd.stage) == (Round.Status.FAILED, "error", "solving")
    assert not RoundProposal.objects.exists()
    assert _lock_free_elsewhere(mcouncil.pk)
    monkeypatch.undo()
    assert round_run(council=mcouncil).status == Round.Status.PROPOSED


# --- Cancelled while running, from another connection -------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_cancel_a_running_round_it_stops_at_its_next_checkpoint_storing_nothing(
    mcouncil, monkeypatch
):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    _pairs(mcouncil)
    solve, asked = rounds.optimal_assignment, []

    def solve_while_staff_cancel(problem):
        # Staff press "Cancel" on another web node while the job is solving.
        def cancel():
            try:
                asked.append(round_cancel(staff=staff, round_id=rnd.pk).status)
            finally:
                connections.close_all()

        thread = threading.Thread(target=cancel)
        thread.start()
        thread.join()
        return solve(problem)

    monkeypatch.setattr(rounds, "optimal_assignment", solve_while_staff_cancel)
    rnd = round_open(council=mcouncil, actor=staff)
    done = round_compute(rnd.pk)
    assert asked == [Round.Status.RUNNING]  # still running when asked
    assert done.status == Round.Status.CANCELLED
    assert done.cancel_requested_at is not None and done.stage == "solving"
    assert done.summary == {}
    assert not RoundProposal.objects.exists()
    assert not AuditEvent.objects.filter(verb="round.proposed").exists()
    assert AuditEvent.objects.filter(verb="round.cancelled", actor_id=staff.pk).count() == 1
    assert _lock_free_elsewhere(mcouncil.pk)
    with pytest.raises(ApplicationError) as refused:
        round_cancel(staff=staff, round_id=rnd.pk)
    assert refused.value.code == "round_finished"


@pytest.mark.django_db
def test_a_round_worked_out_cannot_be_cancelled_only_discarded(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    _pairs(mcouncil, 1)
    rnd = round_run(council=mcouncil, actor=staff)
    with pytest.raises(ApplicationError) as refused:
        round_cancel(staff=staff, round_id=rnd.pk)
    assert refused.value.code == "round_finished"
    assert round_discard(staff=staff, round_id=rnd.pk).status == Round.Status.DISCARDED


# --- The staff page and the API -------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_of_a_running_round_shows_its_stage_refreshes_and_cancels(mcouncil, client):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    rnd = Round.objects.create(
        council=mcouncil,
        status=Round.Status.RUNNING,
        stage=Round.Stage.SOLVING,
        progress_done=1,
        progress_total=2,
    )
    client.force_login(staff)
    page = client.get(reverse("staff:round", args=[rnd.pk])).content.decode()
    assert "Choosing the matches (stage 2 of 3)" in page and "1 of 2" in page
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "Cancel this round" in page and "Send selected" not in page
    body = _api(staff).get(f"/api/v1/staff/rounds/{rnd.pk}/").json()
    assert body["status"] == "running"
    assert body["progress"] == {
        "stage": "solving",
        "stage_name": "Choosing the matches",
        "done": 1,
        "total": 2,
        "cancel_requested": False,
        "failure": "",
    }
    # Cancel: asked now, done by the job at its next checkpoint.
    page = client.post(reverse("staff:round_discard", args=[rnd.pk]), follow=True)
    text = page.content.decode()
    assert "Cancelling: the round stops at its next step" in text
    assert "Cancel this round" not in text
    rnd.refresh_from_db()
    assert rnd.cancel_requested_at is not None and rnd.status == Round.Status.RUNNING
    assert _api(staff).get(f"/api/v1/staff/rounds/{rnd.pk}/").json()["progress"]["cancel_requested"]
    # A round still being worked out cannot be sent.
    response = _api(staff).post(f"/api/v1/staff/rounds/{rnd.pk}/apply/")
    assert response.status_code == 400
    rnd.status, rnd.failure = Round.Status.FAILED, "lost"
    rnd.save()
    page = client.get(reverse("staff:round", args=[rnd.pk])).content.decode()
    assert "stopped before it finished" in page and "http-equiv" not in page


@pytest.mark.django_db
def test_the_named_celery_task_works_the_round_out_in_the_process_in_tests(mcouncil, client):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert "matching.tasks.round_build" in app.tasks
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    _pairs(mcouncil, 2)
    rnd = round_start(council=mcouncil, actor=staff)
    assert rnd.status == Round.Status.PROPOSED and rnd.proposals.count() == 2
    response = _api(staff).post("/api/v1/staff/rounds/")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "proposed"
    assert body["progress"]["stage"] == "done" and body["progress"]["done"] == 2
    client.force_login(staff)
    page = client.post(reverse("staff:rounds"), follow=True).content.decode()
    assert "Round worked out. Review the proposals below before sending." in page
