from __future__ import annotations

from wangge.people.access import Scope

from . import selectors
from .models import Notice, Receipt


def notice_out(n: Notice, *, scope: Scope, read_ids: set[int] | None = None) -> dict:
    if read_ids is None:
        read = bool(scope.person_id) and Receipt.objects.filter(notice=n, person_id=scope.person_id).exists()
    else:
        read = n.pk in read_ids
    return {
        "id": n.pk, "title": n.title, "body": n.body,
        "grids": [{"id": g.pk, "name": g.name} for g in n.grids.all()],
        "buildings": [{"id": b.pk, "name": f"{b.estate_grid.name}{b.name}"} for b in n.buildings.all()],
        "audience": n.audience, "audience_label": str(n.get_audience_display()), "publish_at": n.publish_at,
        "expires_at": n.expires_at, "pinned": n.pinned, "status": n.status, "status_label": str(n.get_status_display()),
        "author": n.author_label, "read": read, "can_publish": selectors.can_publish(scope, n),
    }


def read_ids_of(scope: Scope) -> set[int]:
    if not scope.person_id:
        return set()
    return set(Receipt.objects.filter(person_id=scope.person_id).values_list("notice_id", flat=True))
