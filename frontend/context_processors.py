"""Values every page needs: the service and council names, and the signed-in person's links."""

from django.conf import settings
from django.urls import reverse

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
            ("Home", reverse("dashboard")),
            (f"What’s new ({unread} unread)" if unread else "What’s new", reverse("whats_new")),
            ("Your needs", reverse("needs_mine")),
            ("Helping", reverse("helping")),
            ("Your account", reverse("account_home")),
            ("Sign out", reverse("account_logout")),
        ]
        for text, href in items:
            current = path == href or (href != "/" and path.startswith(href))
            nav.append({"text": text, "href": href, "current": current})
    else:
        for text, href in (
            ("Sign in", reverse("account_login")),
            ("Create an account", reverse("account_signup")),
        ):
            nav.append({"text": text, "href": href, "current": path == href})
    return {
        "site_name": settings.SITE_NAME,
        "council_name": council_name,
        "nav_items": nav,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
