"""A dashboard as JSON: for the API and for the charts and wall screen, which redraw from it."""

from __future__ import annotations

from dataclasses import asdict

from .selectors import Dashboard


def node_out(node) -> dict:
    return {"id": node.pk, "name": node.name, "level": node.level, "code": node.code}


def dashboard_out(d: Dashboard) -> dict:
    work = asdict(d.work) | {"duty_coverage": d.work.duty_coverage}
    return {
        "node": node_out(d.node),
        "trail": [node_out(n) for n in d.trail],
        "period": {"preset": d.period.preset, "start": d.period.start, "end": d.period.end},
        "figures": d.figures.as_dict(),
        "indicators": d.indicators(),
        "states": {"by_state": d.states.by_state, "open": d.states.open, "overdue": d.states.overdue},
        "categories": [f.as_dict() | {"code": c.code, "name": c.name} for c, f in d.categories],
        "sources": [f.as_dict() | {"code": code, "label": label} for code, label, f in d.sources],
        "trend": [{"date": day, "received": f.received, "closed": f.closed, "done": f.done} for day, f in d.trend],
        "children": [f.as_dict() | node_out(c) | {"open": n} for c, f, n in d.children],
        "work": work,
    }
