"""Helpers shared by the page views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.services import person_update_profile
from core.errors import ApplicationError, NotFound
from notifications.pipeline import language_of
from notifications.services import correspondence_language_set

from ..forms import AboutYouForm
from ..words import languages_typed


def home_required(view: Callable) -> Callable:
    """Signed in, and with a home postcode: most pages rank by distance from it."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.home_location is None:
            return redirect("start_role")
        return view(request, *args, **kwargs)

    return wrapper


def call_service(form, fn: Callable, *, field_for: dict[str, str] | None = None, field=None):
    """Run a service; on a business-rule refusal put its message on the form and return None.

    `field_for` maps an ApplicationError code to the form field the message belongs to, so the
    error summary links to it; `field` is the default field (None: shown above the form).
    A NotFound becomes a 404, so a page never tells "hidden" from "missing".
    """
    try:
        return fn()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        # A service that checks several answers names every problem (`extra["problems"]`).
        for problem in exc.extra.get("problems") or [{"code": exc.code, "detail": exc.message}]:
            target = (field_for or {}).get(problem["code"], field)
            form.add_service_error(target, problem["detail"])
        return None


def posted_version(request, current: int) -> int:
    """The version of a listing the person's form started from (a hidden field), so that a
    service can refuse a change made over someone else's newer one. Unreadable: -1, which
    never matches."""
    if request.method != "POST":
        return current
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


#: A change refused because the listing changed since its page was opened (in another tab, or
#: by council staff): the page keeps what the person typed and starts from the newer version,
#: so saving again replaces the other change on purpose, and is not refused a second time.
CHANGED_ELSEWHERE_MESSAGE = gettext_lazy(
    "Someone changed this since you opened this page, perhaps in another tab. What you typed "
    "is still below: check it, then save again to replace that change, or go back to see "
    "what is saved now."
)

#: The same refusal when the page sent no readable version at all (an old or altered page).
OUT_OF_DATE_MESSAGE = gettext_lazy(
    "This page was out of date, so nothing was saved. Check what is below, then save again."
)


def saved_unless_changed_elsewhere(save: Callable, context: dict, listing):
    """Run `save`; when the service refuses it because the version of `listing` (a need or an
    offer) moved on, set the page's version to the one saved now and refuse with words that
    say what happened and what saving again will do."""
    try:
        return save()
    except ApplicationError as exc:
        if exc.code != "stale_version":
            raise
        unreadable = context["version"] < 0  # `posted_version`'s answer to nonsense
        context["version"] = (
            type(listing).objects.values_list("version", flat=True).get(pk=listing.pk)
        )
        message = OUT_OF_DATE_MESSAGE if unreadable else CHANGED_ELSEWHERE_MESSAGE
        raise ApplicationError(message, code="stale_version") from exc


def not_found_as_404(fn: Callable):
    try:
        return fn()
    except NotFound as exc:
        raise Http404(exc.message) from exc


def about_you_submit(request) -> tuple[AboutYouForm, bool]:
    """The "about you" form, bound on POST; True once the person's details are saved.

    Shared by onboarding and the account's profile page.
    """
    user = request.user
    form = AboutYouForm(
        request.POST if request.method == "POST" else None,
        initial={
            "display_name": user.display_name,
            "languages": languages_typed(user.preferred_languages),
            "gender": user.gender,
            "correspondence_language": (
                "cy" if language_of(user) == "cy" or translation.get_language() == "cy" else "en"
            ),
        },
    )
    if request.method != "POST" or not form.is_valid():
        return form, False
    data = form.cleaned_data
    done = call_service(
        form,
        lambda: person_update_profile(
            user=user,
            display_name=data["display_name"],
            preferred_languages=data["languages"],
            gender=data["gender"],
            phone=user.phone,
        ),
        field="display_name",
    )
    if done and data.get("correspondence_language"):
        done = call_service(
            form,
            lambda: correspondence_language_set(
                person=user, language=data["correspondence_language"]
            ),
            field="correspondence_language",
        )
    return form, bool(done)
