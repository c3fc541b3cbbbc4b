"""社区: the page that gathers the deliberation hall and community life for everyone — residents see what is
coming and what was decided, staff reach the parts their duties let them run."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wangge.community.notices import selectors as notices
from wangge.hall.agenda import selectors as agenda
from wangge.people.access import ACTIVITIES, CONSULT, ELECTIONS, HALL, NOTICES, VENUES, request_scope


@login_required
def hub(request):
    scope = request_scope(request)

    def anywhere(capability: str) -> bool:
        return scope.is_admin or bool(scope.paths(capability))

    can = {
        "hall": anywhere(HALL), "consult": anywhere(CONSULT), "activities": anywhere(ACTIVITIES),
        "venues": anywhere(VENUES), "elections": anywhere(ELECTIONS), "notices": anywhere(NOTICES),
        "resident": scope.household_id is not None, "staff": scope.is_staff_scope,
    }
    upcoming = agenda.upcoming_for_resident(actor=scope, limit=3)
    unread = notices.notice_list(actor=scope, unread=True).count() if scope.person_id else 0
    return render(request, "community/hub.html", {"can": can, "upcoming": upcoming, "unread": unread})
