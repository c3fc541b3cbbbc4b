"""The one state machine of a matter: which action leads from which states to which, who may take it,
and which SLA stage runs in each state. Services consult it; nothing else decides a transition.

    reported ─accept→ accepted ─dispatch→ dispatched ─start→ in_progress ─resolve→ resolved
        │                │                                                       │   │
      reject          hold/resume (the SLA clock stops while on hold)      rework ┘   verify
        ↓                                                                             ↓
    rejected                                      evaluated ←rate─ closed ←close─ verified

Any open matter can be withdrawn by its reporter; a matter not yet being worked can be merged into
another. An unsatisfied rating reopens a closed matter once, as rework for the grid leader.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import OPEN_STATES, Stage, State  # noqa: F401  (OPEN_STATES: kept with the partial indexes)

S = State

FINAL_STATES = frozenset({S.REJECTED, S.EVALUATED, S.WITHDRAWN, S.MERGED})
DONE_STATES = frozenset({S.CLOSED, S.EVALUATED})

# Who may take an action: the matter's assignee, a dispatcher (a leader with matters.dispatch over the
# matter's grid), the reporter.
ASSIGNEE = "assignee"
DISPATCHER = "dispatcher"
REPORTER = "reporter"


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change, or (resume) goes back to where it was
    by: frozenset[str]
    note_required: bool = False


def _a(code, label, sources, target, by, note_required=False) -> Action:
    return Action(code, label, frozenset(sources), target, frozenset(by), note_required)


_WORKING = {S.DISPATCHED, S.IN_PROGRESS, S.REWORK}

ACTIONS: dict[str, Action] = {
    a.code: a
    for a in [
        _a("accept", _("受理"), {S.REPORTED}, S.ACCEPTED, {ASSIGNEE, DISPATCHER}),
        _a("reject", _("不予受理"), {S.REPORTED}, S.REJECTED, {DISPATCHER}, note_required=True),
        _a("dispatch", _("派遣"), {S.ACCEPTED, S.REWORK}, S.DISPATCHED, {ASSIGNEE, DISPATCHER}),
        _a("start", _("开始处置"), {S.DISPATCHED, S.REWORK}, S.IN_PROGRESS, {ASSIGNEE, DISPATCHER}),
        _a("resolve", _("处置完成"), {S.IN_PROGRESS}, S.RESOLVED, {ASSIGNEE, DISPATCHER}),
        _a("verify", _("核查通过"), {S.RESOLVED}, S.VERIFIED, {DISPATCHER}),
        _a("rework", _("返工"), {S.RESOLVED}, S.REWORK, {DISPATCHER}, note_required=True),
        _a("close", _("结案"), {S.VERIFIED}, S.CLOSED, {DISPATCHER}),
        _a("hold", _("挂起"), {S.ACCEPTED, *_WORKING}, S.ON_HOLD, {DISPATCHER}, note_required=True),
        _a("resume", _("恢复"), {S.ON_HOLD}, None, {DISPATCHER}),
        _a("withdraw", _("撤回"), {S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.REWORK, S.ON_HOLD},
           S.WITHDRAWN, {REPORTER, DISPATCHER}),
        # Taken through their own services, which carry more than a note:
        _a("merge", _("合并"), {S.REPORTED, S.ACCEPTED, S.DISPATCHED}, S.MERGED, {DISPATCHER}),
        _a("rate", _("评价"), {S.CLOSED}, S.EVALUATED, {REPORTER}),
    ]
}
# Actions `POST …/transitions` takes; merge and rate have their own endpoints.
TRANSITION_ACTIONS = [code for code in ACTIONS if code not in ("merge", "rate")]

# The SLA stage that runs while a matter is in a state. No stage: no clock.
STAGE_OF = {
    S.REPORTED: Stage.ACCEPT,
    S.ACCEPTED: Stage.DISPATCH,
    S.DISPATCHED: Stage.RESOLVE,
    S.IN_PROGRESS: Stage.RESOLVE,
    S.REWORK: Stage.RESOLVE,
    S.RESOLVED: Stage.VERIFY,
}


class IllegalTransition(Exception):
    """Raised by `check`; the services turn it into a 409 that says what is possible."""


def check(action: str, state: str) -> Action:
    """The action, if it may be taken from `state`."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise IllegalTransition(f"未知操作 {action!r}，可用：{'、'.join(ACTIONS)}")
    if state not in spec.sources:
        allowed = "、".join(a.code for a in ACTIONS.values() if state in a.sources) or "无"
        raise IllegalTransition(f"“{State(state).label}”状态下不能{spec.label}（可进行：{allowed}）")
    return spec


def available(state: str) -> list[Action]:
    return [a for a in ACTIONS.values() if state in a.sources]
