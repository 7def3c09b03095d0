"""The audit log: every staff decision, filtered, paged and exported as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import audit as core_audit
from core.audit import audit_record
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, csv_safe, render_staff

AUDIT_PAGE_SIZE = 50


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
    return render_staff(
        request,
        "audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


class _Echo:
    """A file-like object for csv.writer that hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


@require_GET
@staff_view(C.AUDIT_LOG)
def audit_log_csv(request):
    form = forms.AuditFilterForm(request.GET or None)
    if form.errors:
        return HttpResponse(
            _("Check the filters: %(errors)s")
            % {"errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)},
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
                    csv_safe(event.actor.email if event.actor else ""),
                    csv_safe(event.verb),
                    csv_safe(event.target_type),
                    event.target_id if event.target_id is not None else "",
                    csv_safe(json.dumps(event.data, sort_keys=True, default=str)),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kith-audit-{stamp}.csv"'
    return response
