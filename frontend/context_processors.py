"""Values every page needs: the service and council names, and the signed-in person's links."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.selectors import unread_count


def site(request):
    user = getattr(request, "user", None)
    council_name = ""
    nav: list[dict] = []
    path = request.path
    if user is not None and user.is_authenticated:
        # The person's own council names the service in the header once they have one.
        council = user.council if user.council_id else None
        council_name = council.name if council else ""
        unread = unread_count(person=user)
        items = [
            (_("Home"), reverse("dashboard")),
            (
                _("What’s new (%(count)s unread)") % {"count": unread}
                if unread
                else _("What’s new"),
                reverse("whats_new"),
            ),
            (_("Your needs"), reverse("needs_mine")),
            (_("Helping"), reverse("helping")),
            (_("Your account"), reverse("account_home")),
            (_("Sign out"), reverse("account_logout")),
        ]
        for text, href in items:
            current = path == href or (href != "/" and path.startswith(href))
            nav.append({"text": text, "href": href, "current": current})
    else:
        for text, href in (
            (_("Sign in"), reverse("account_login")),
            (_("Create an account"), reverse("account_signup")),
        ):
            nav.append({"text": text, "href": href, "current": path == href})
    return {
        "site_name": settings.SITE_NAME,
        "council_name": council_name,
        "nav_items": nav,
        # Set by the session limits for a signed-in person: the timeout warning counts from it.
        "session_timing": getattr(request, "kith_session_timing", None),
        "session_warning_seconds": settings.KITH_SESSION_WARNING_SECONDS,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
