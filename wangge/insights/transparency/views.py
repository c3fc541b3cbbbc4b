"""The public transparency pages (社区公开): no login, counts only. The figures come from
`selectors.transparency`, which caches them; the page polls its live partial every minute."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from wangge.core.views import refusals

from . import selectors

POLL_SECONDS = 60
SPARK_W, SPARK_H = 120, 32

# The lines drawn under the figure cards: (field of MonthFigures, label).
LINES = [
    ("activities", _("活动场次")),
    ("matters_closed", _("办结关键小事")),
    ("disputes_mediated", _("调解成功纠纷")),
    ("cameras", _("监控探头")),
    ("sessions_held", _("议事会议")),
    ("visits", _("入户走访")),
]


def _spark(values: list[int]) -> str:
    """SVG polyline points for a small line of `values` (0 at the bottom)."""
    if not values:
        return ""
    top = max(values) or 1
    step = SPARK_W / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{SPARK_H - 2 - (v / top) * (SPARK_H - 4):.1f}" for i, v in enumerate(values))


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _context(data: selectors.Transparency) -> dict:
    lines = {}
    for name, label in LINES:
        values = [getattr(m, name) for m in data.months]
        lines[name] = {"label": label, "points": _spark(values), "last": values[-1] if values else 0}
    return {"t": data, "lines": lines, "satisfaction": _percent(data.satisfaction_rate), "poll": POLL_SECONDS,
            "spark_w": SPARK_W, "spark_h": SPARK_H}


@require_GET
def community_index(request):
    """Every community's public page, grouped by subdistrict."""
    groups: dict[str, list] = {}
    for entry in selectors.community_list():
        groups.setdefault(entry.subdistrict, []).append(entry)
    return render(request, "transparency/index.html", {"groups": groups})


@require_GET
@refusals
def community_page(request, community_id: int):
    data = selectors.transparency(community_id=community_id)
    return render(request, "transparency/community.html", _context(data))


@require_GET
@refusals
def community_live(request, community_id: int):
    """The figures alone, for the page's poll."""
    data = selectors.transparency(community_id=community_id)
    return render(request, "transparency/_figures.html", _context(data))
