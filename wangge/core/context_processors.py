from functools import partial

from django.conf import settings

from wangge.notify.selectors import unread_count
from wangge.people.access import DISPATCH, EDIT_REGISTRY, request_scope


def site(request):
    """Map settings, and the acting user's scope (computed once per request) so the menu shows only
    what the user may use."""
    context = {"MAP_TILE_URL": settings.MAP_TILE_URL, "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        scope = request_scope(request)
        context["wangge_scope"] = scope
        context["nav_staff"] = scope.is_staff_scope
        context["nav_can_import"] = scope.is_admin or bool(scope.paths(EDIT_REGISTRY))
        context["nav_can_dispatch"] = scope.is_admin or bool(scope.paths(DISPATCH))
        context["nav_resident"] = scope.household_id is not None
        # The menu's unread badge: one COUNT, made only when a whole page renders the menu (a callable).
        context["nav_unread"] = partial(unread_count, actor=scope)
    return context
