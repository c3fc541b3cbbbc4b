from __future__ import annotations

from wangge.insights.dashboards.serializers import node_out

from .selectors import SCORE_FORMULA, Evaluation


def evaluation_out(e: Evaluation) -> dict:
    return {
        "node": node_out(e.node),
        "period": {"preset": e.period.preset, "start": e.period.start, "end": e.period.end},
        "by": e.by,
        "score_formula": str(SCORE_FORMULA),
        "rows": [r.figures.as_dict() | {"rank": r.rank, "key": r.key, "name": r.name, "detail": r.detail,
                                        "score": r.score} for r in e.rows],
    }


def matter_behind_out(m) -> dict:
    """A matter behind a figure: what it is and how it went, never who reported it."""
    return {
        "id": m.pk, "category": m.category.name, "state": m.state, "grid": m.grid.name,
        "assignee": m.assignee.name if m.assignee_id else None, "created_at": m.created_at,
        "resolve_due": m.resolve_due, "resolved_at": m.resolved_at, "closed_at": m.closed_at,
        "breached": m.breached, "rework_count": m.rework_count, "rating": m.rating,
    }
