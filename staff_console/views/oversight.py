"""Oversight and impact: the council's dashboard of demand and matching, and the impact report with
its CSV export."""

from __future__ import annotations

import csv
import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.audit import audit_record
from insights.impact import impact_report
from insights.oversight import SUPPRESS_BELOW, oversight_for
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, csv_safe, render_staff

# Without dates, the dashboard and the impact report cover the last 90 days.
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
    return render_staff(
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
    return render_staff(
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
                csv_safe(row.name),
                row.completed,
                row.needs_met,
                row.repeat_pairs,
                row.hours,
                row.unit_cost if row.slug else "",
                row.cost_avoided,
            ]
        )
    return response
