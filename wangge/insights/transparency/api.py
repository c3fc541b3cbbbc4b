"""/api/v1/transparency/{community_id}: a community's public figures, without login (the page's JSON twin)."""

from __future__ import annotations

from ninja import Router

from wangge.core.schemas import ERRORS

from . import selectors
from .schemas import TransparencyOut

router = Router(tags=["insights"])


@router.get("/transparency/{community_id}", response={200: TransparencyOut, **ERRORS}, auth=None,
            operation_id="transparency_get")
def transparency_get(request, community_id: int):
    """This year's figures of a community and the last twelve months, month by month: activities held and
    attendance, key small matters received and closed and 满意率, disputes received and mediated to an
    agreement, cameras, deliberation sessions held and resolutions, door-to-door visits. Counts only, no
    personal data; cached for up to 45 seconds. 404 when the id is not a community."""
    return selectors.transparency(community_id=community_id).as_dict()
