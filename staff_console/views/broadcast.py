"""A council admin messages the helpers of a kind of help or an area: preview first (who it
reaches and how it reads), then send (capped and audited, `notifications.broadcast`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import ngettext

from marketplace.selectors import categories_active
from notifications import broadcast as broadcasts
from staff_console import forms
from staff_console.access import staff_view
from staff_console.views.base import C, call_service, render_staff


@staff_view(C.BROADCAST)
def broadcast(request):
    categories = categories_active()
    form = forms.BroadcastForm(
        request.POST if request.method == "POST" else None, categories=categories
    )
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "actor": request.user,
            "subject": data["subject"],
            "message": data["message"],
            "category_slug": data["category"],
            "postcode": data["postcode"],
            "radius_km": data["radius_km"],
        }
        if request.POST.get("action") == "send":
            sent = call_service(form, broadcasts.broadcast_send, **fields)
            if sent is not None:
                messages.success(
                    request,
                    ngettext(
                        "Your message is on its way to %(count)s helper.",
                        "Your message is on its way to %(count)s helpers.",
                        sent,
                    )
                    % {"count": sent},
                )
                return redirect("staff:broadcast")
        else:
            plan = call_service(form, broadcasts.broadcast_plan, **fields)
    status = 400 if request.method == "POST" and (form.errors or plan is None) else 200
    return render_staff(
        request,
        "broadcast.html",
        {"form": form, "plan": plan, "most": broadcasts.BROADCAST_MAX_RECIPIENTS},
        status=status,
    )
