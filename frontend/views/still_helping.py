""" "Do you still want to help?": the helper's answer to the question Kith asks when their
offers have been idle for weeks (`matching.still_helping`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.models import StillHelping
from matching.still_helping import still_helping_answer, still_helping_of

from ..forms import KithForm
from .common import call_service, not_found_as_404


class StillHelpingForm(KithForm):
    keep = forms.ChoiceField(
        label=gettext_lazy("Do you still want to help?"),
        choices=StillHelping.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy(
                "Choose yes to keep your offers open, or no to pause them for now."
            )
        },
    )


@login_required
def still_helping(request, question_id: int):
    row = not_found_as_404(lambda: still_helping_of(user=request.user, row_id=question_id))
    waiting = row.answered_at is None
    form = StillHelpingForm(request.POST if request.method == "POST" and waiting else None)
    if request.method == "POST" and waiting and form.is_valid():
        keep = form.cleaned_data["keep"] == StillHelping.Answer.YES
        done = call_service(
            form,
            lambda: still_helping_answer(user=request.user, row_id=row.pk, keep=keep),
            field="keep",
        )
        if done:
            messages.success(
                request,
                _("Thank you. Your offers stay open.")
                if keep
                else _(
                    "Thank you. Your offers are paused and nobody new will be matched with "
                    "you. To start one again, open it from this page and choose Start again."
                ),
            )
            return redirect("helping")
    return render(request, "frontend/helping/still_helping.html", {"row": row, "form": form})
