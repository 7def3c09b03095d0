"""Oversight and impact: the council's dashboard of demand and matching, and the impact report with
its CSV export."""

from __future__ import annotations

import csv
import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.audit import audit_record
from insights.impact import impact_report
from insights.oversight import SUPPRESS_BELOW, oversight_for
from insights.vetting_evidence import vetting_evidence
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
    labels = [label for _value, label in data.urgencies]
    bars = [
        {
            "row": row,
            "width": round(300 * row.total / widest) if widest else 0,
            "cells": list(zip(row.urgency_counts, labels, strict=True)),
        }
        for row in data.categories
    ]
    return render_staff(
        request,
        "oversight.html",
        {
            "form": form,
            "data": data,
            "bars": bars,
            "trend": _trend_chart(data.by_month),
            "suppress_below": SUPPRESS_BELOW,
            "vetting": vetting_evidence(council=request.staff_council),
        },
        status=400 if form.errors else 200,
    )


# The trend chart of needs by month: each month a pair of bars (asked, matched), in SVG units.
TREND_BAR, TREND_GAP, TREND_PLOT, TREND_TOP = 30, 30, 200, 24


def _trend_chart(months) -> dict:
    """Where the bars of `needs_by_month` go on the oversight page's chart (the table beside
    it holds the same figures)."""
    top = max((m.asked for m in months), default=0) or 1
    base = TREND_TOP + TREND_PLOT
    bars = []
    for i, month in enumerate(months):
        x = TREND_GAP + i * (2 * TREND_BAR + TREND_GAP)
        h_asked = round(TREND_PLOT * month.asked / top)
        h_matched = round(TREND_PLOT * month.matched / top)
        bars.append(
            {
                "month": month,
                "x_asked": x,
                "x_matched": x + TREND_BAR,
                "x_asked_mid": x + TREND_BAR / 2,
                "x_matched_mid": x + 1.5 * TREND_BAR,
                "x_mid": x + TREND_BAR,
                "h_asked": h_asked,
                "h_matched": h_matched,
                "y_asked": base - h_asked,
                "y_matched": base - h_matched,
                "y_asked_label": base - h_asked - 4,
                "y_matched_label": base - h_matched - 4,
            }
        )
    return {
        "months": bars,
        "bar": TREND_BAR,
        "base": base,
        "label_y": base + 20,
        "width": max(TREND_GAP + len(months) * (2 * TREND_BAR + TREND_GAP), 200),
        "height": base + 30,
    }


@require_GET
@staff_view(C.OVERSIGHT)
def vetting_csv(request):
    """The helper checks and training figures of the oversight page, as of today: one row
    per kind, with the data-security training target."""
    evidence = vetting_evidence(council=request.staff_council)
    audit_record(
        actor=request.user,
        verb="vetting_evidence.exported",
        council=request.staff_council,
        target_type="vetting_evidence",
        data={"on": evidence.today.isoformat()},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kith-helper-checks-{evidence.today.isoformat()}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(
        ["check_or_training", "needed_at_once", "active_helpers", "holding", "share",
         "expiring_within_30_days", "target_share"]
    )  # fmt: skip
    for kind in evidence.kinds:
        target = evidence.target if kind.kind == "data_protection_training" else ""
        share = "" if kind.share is None else f"{kind.share:.3f}"
        writer.writerow(
            [kind.kind, kind.needed, evidence.active_helpers, kind.holding, share,
             kind.expiring, target]
        )  # fmt: skip
    return response


# --- Impact report ---------------------------------------------------------------------------
def _blank_none(value, fmt="{:.1f}"):
    return "" if value is None else fmt.format(value)


# (column, value of an `ImpactRow`) of the CSV export; the last row is every kind together.
CSV_COLUMNS = [
    ("kind_of_help", lambda r: csv_safe(r.name)),
    ("completed_matches", lambda r: r.completed),
    ("needs_met", lambda r: r.needs_met),
    ("repeat_pairings", lambda r: r.repeat_pairs),
    ("hours_given", lambda r: r.hours),
    ("unit_cost_gbp", lambda r: r.unit_cost if r.slug else ""),
    ("cost_avoided_gbp", lambda r: r.cost_avoided),
    ("arrangements_running_now", lambda r: r.ongoing.active_arrangements),
    ("visits_done", lambda r: r.ongoing.visits_done),
    ("visits_missed", lambda r: r.ongoing.visits_missed),
    ("missed_rate", lambda r: _blank_none(r.ongoing.missed_rate, "{:.3f}")),
    ("median_days_ended_arrangements", lambda r: _blank_none(r.ongoing.median_days_ended)),
    ("median_days_so_far_running", lambda r: _blank_none(r.ongoing.median_days_running)),
    ("welfare_checks_opened", lambda r: r.ongoing.welfare_opened),
    ("welfare_closed_fine", lambda r: r.ongoing.welfare_fine),
    ("welfare_closed_needs_something", lambda r: r.ongoing.welfare_needs),
    ("welfare_escalated", lambda r: r.ongoing.welfare_escalated),
    ("welfare_still_open", lambda r: r.ongoing.welfare_open),
]


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
            _("Check the dates: %(errors)s")
            % {"errors": "; ".join(str(e) for errors in form.errors.values() for e in errors)},
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
    writer.writerow([name for name, _value in CSV_COLUMNS])
    for row in [*report.rows, report.total]:
        writer.writerow([value(row) for _name, value in CSV_COLUMNS])
    return response
