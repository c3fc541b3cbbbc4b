"""The history of key small matters (关键小事) of the synthetic city, simulated day by day and streamed out.

Each matter is played through the state machine in memory under the rules of `matters/services.py`, as the
demo does (`wangge.demo.matters`), but lean enough for ten million: times are epoch seconds, deadlines come
from `clock.FastClock`, routing and the escalation ladder are answered from the duties the population
stage wrote, and a matter's rows leave for the database as soon as it is done.

What a matter is: a category weighted by the demo's contents and seasons, a channel mixed per kind of
matter, a reporter from the residents of a micro-grid (weighted by its households), a point at the door of
a unit inside that micro-grid. How it goes (`Life`): a few percent rejected or withdrawn; most accepted,
dispatched, started, resolved, verified and closed within their time limits, rated mostly satisfied;
`P_LATE` of them leave a stage after its deadline (the sweep escalates each passed deadline once, exactly as
`services.escalate` does); some are reworked, some held; duplicates are merged into the matter they repeat.
A step planned after the moment of the load has not happened yet: recent matters are the open ones.

Events: the report, and one per action (state changes, plus escalations, supervision, merges and the
grid leader's assignment after an unsatisfied rating). The routing `assign` event that intake writes is
left out to keep the table modest; the assignee is on the matter row.
"""

from __future__ import annotations

import base64
import bisect
import collections
import datetime as dt
import json
import math
import os
import random
from types import SimpleNamespace

from wangge.demo.matters import (
    _ACCEPT_NOTES,
    _CLOSE_NOTES,
    _DISPATCH_NOTES,
    _HOLDABLE,
    _HOLDS,
    _HOTLINE_PREFIX,
    _IN_HOME,
    _MERGE_NOTES,
    _MERGEABLE,
    _NOISE_WHEN,
    _PATROL_KINDS,
    _RATING_COMMENTS,
    _REJECT_NOTES,
    _REWORK_NOTES,
    _SOURCES,
    _SOURCES_DEFAULT,
    _START_NOTES,
    _SUPERVISE_NOTES,
    _VERIFY_NOTES,
    _WITHDRAW_NOTES,
    CONTENT,
    _season,
)
from wangge.fieldwork.visits.models import Visit
from wangge.matters import lifecycle
from wangge.matters.models import (
    Category,
    Escalation,
    Event,
    Matter,
    Open311Client,
    Rating,
    Source,
    Stage,
    State,
)
from wangge.matters.open311.keys import PREFIX_LENGTH, digest
from wangge.people.models import Role
from wangge.registry.models import LEVEL_ORDER, Level

from .bulk import copy_text
from .layout import lat, lon

S = SimpleNamespace(**{s.name: s.value for s in State})    # plain strings: they go to the database as they are
OPEN_STATES = frozenset(s.value for s in lifecycle.OPEN_STATES)
STAGE_OF = {state.value: stage.value for state, stage in lifecycle.STAGE_OF.items()}
SATISFIED, BASIC, UNSATISFIED = Rating.SATISFIED.value, Rating.BASIC.value, Rating.UNSATISFIED.value
DAY = 86400
P_REJECT = 0.025
P_WITHDRAW = 0.03
P_LATE = 0.075          # leave a stage after its deadline (breached, escalated)
P_HOLD = 0.06           # of holdable categories
P_LONG_HOLD = 0.1       # of holds: waiting for funds or a vote, for months
P_REWORK = 0.04
P_RATED = 0.8           # of those who can rate (not patrol findings)
P_DUPLICATE = 0.04      # of mergeable matters: someone else reports the same thing
P_ANONYMOUS = 0.03
OPEN311_CLIENT = "模拟城市客户端"
_STAGES = ("accept", "dispatch", "resolve", "verify")
_STAGE_LABEL = {s.value: str(s.label) for s in Stage}
_ROLE_RANK = {Role.GRID_MEMBER: 1, Role.GRID_LEADER: 2, Role.TWO_COMMITTEE_MEMBER: 3}
_LADDER = (Role.MICRO_GRID_MEMBER, Role.GRID_MEMBER, Role.GRID_LEADER, Role.TWO_COMMITTEE_MEMBER)
_HOURS = {
    "staff": [8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17],
    "hotline": list(range(8, 18)),
    "resident": [h for h, w in zip(range(6, 24), [2, 6, 9, 9, 8, 7, 6, 5, 6, 6, 6, 7, 8, 9, 9, 7, 4, 2],
                                   strict=True) for _ in range(w)],
}
_EMPTY = "{}"


class Cat:
    """A leaf category as the simulation needs it."""

    __slots__ = ("id", "code", "name", "sla", "role", "level", "org_kind", "weight", "items", "group")

    def __init__(self, category: Category):
        self.id = category.pk
        self.code = category.code
        self.name = category.name
        self.sla = {s: (float(getattr(category, f"{s}_sla")), getattr(category, f"{s}_unit")) for s in _STAGES}
        self.role = category.handler_role
        self.level = LEVEL_ORDER.index(category.handler_level)
        self.org_kind = category.handler_org_kind
        weight, items = CONTENT.get(self.code, (1.0, [(f"{{building}}{{unit}}附近{self.name}问题，请尽快处理", "已处理")]))
        self.weight = weight
        self.items = items
        code = self.code
        self.group = ("care" if code.startswith("care") else "emergency" if code.startswith("emergency")
                      else "dispute" if code.startswith("dispute") else "patrol" if code in _PATROL_KINDS else "")


class Sim:
    """One matter in memory, with the fields of its row."""

    __slots__ = ("id", "cat", "micro", "unit", "home", "source", "created", "state", "stage", "deadline", "dseq",
                 "resolve_due", "breached", "esc_level", "assignee", "role", "hgrid", "held_state", "held_left",
                 "supervised_at", "supervised_by", "rating", "rating_comment", "rated_at", "reopened", "reworks",
                 "merged_into", "updated", "resolved_at", "closed_at", "t", "events", "escalations", "left_open",
                 "reporter", "description", "resolution", "tag", "floor", "adult")

    def __init__(self):
        self.stage = ""
        self.deadline = None
        self.dseq = 0
        self.resolve_due = None
        self.breached = False
        self.esc_level = 0
        self.held_state = ""
        self.held_left = None
        self.supervised_at = None
        self.supervised_by = None
        self.rating = ""
        self.rating_comment = ""
        self.rated_at = None
        self.reopened = False
        self.reworks = 0
        self.merged_into = None
        self.resolved_at = None
        self.closed_at = None
        self.events: list[tuple] = []
        self.escalations: list[tuple] = []
        self.left_open = None   # when it first left the open states


class Life:
    __slots__ = ("outcome", "late", "withdraw_from", "hold_from", "hold_days", "reworks", "ratings", "supervise")

    def __init__(self):
        self.outcome = "done"
        self.late: tuple[str, ...] = ()
        self.withdraw_from = None
        self.hold_from = None
        self.hold_days = 0.0
        self.reworks = 0
        self.ratings: list[str] = []
        self.supervise = False


class NotYet(Exception):
    """The next step of a matter is after the moment of the load."""


class History:
    """The matters of the whole history, generated a day at a time (each day with its own random stream, so
    that the days can be generated by several processes and still come out the same)."""

    def __init__(self, city, fieldwork):
        self.city = city
        self.w = city.writer
        self.clock = city.clock
        self.keys = city.keys
        self.fieldwork = fieldwork
        self.seed = city.seed
        self.rng = random.Random(f"{city.seed}:matters")
        self.now = city.now
        self.names = city.population.person_names
        w = self.w
        self.matters = w.table(Matter, MATTER_FIELDS)
        # Rows nothing refers to take their ids from the database.
        self.events = w.table(Event, EVENT_FIELDS)
        self.escalations = w.table(Escalation, ["matter", "deadline_seq", "stage", "deadline", "at", "from_person",
                                                "to_person", "to_grid"])
        self.visits = city.population.visits
        self.visit_matters = w.table(Visit.matters.through, ["visit", "matter"])
        self.clients = w.table(Open311Client, ["id", "name", "digest", "prefix", "created_at", "revoked_at",
                                               "subdistrict"])
        self.cats = [Cat(c) for c in Category.objects.filter(children__isnull=True, active=True).order_by("pk")]
        self.by_code = {c.code: c for c in self.cats}
        self._routes: dict = {}
        self._ladders: dict = {}
        self._labels: dict = {}
        self._tokens: list[str] = []
        self.next_matter = 0
        self.out_matters: list[tuple] = []
        self.out_events: list[tuple] = []
        self.out_escalations: list[tuple] = []
        self.out_visits: list[tuple] = []
        self.out_disputes: list[tuple] = []

    # -- set-up ----------------------------------------------------------------------------------------
    def prepare(self) -> None:
        city = self.city
        self.micros = [m for m in city.district.walk() if m.level == Level.MICRO_GRID and m.adults]
        self.micro_by_id = {m.id: m for m in self.micros}
        self.cum = []
        total = 0
        for m in self.micros:
            total += m.households
            self.cum.append(total)
        self.total = total
        self.client_of = {}
        for sub in city.district.children:
            key = os.urandom(24).hex()
            cid = self.clients.new_id()
            self.clients.add((cid, OPEN311_CLIENT, digest(key), key[:PREFIX_LENGTH], self.w.ts(city.duty_start), None,
                              sub.id))
            self.client_of[sub.id] = cid
        # Category weights per month, with the demo's seasons.
        self.month_cats: dict[int, tuple[list[Cat], list[float]]] = {}
        for month in range(1, 13):
            acc, cum = 0.0, []
            for c in self.cats:
                acc += c.weight * _season(c.code, month)
                cum.append(acc)
            self.month_cats[month] = (self.cats, cum)
        self.sources = {}
        for group in ("", "care", "patrol", "emergency", "dispute"):
            table = _SOURCES.get(group, _SOURCES_DEFAULT)
            acc, cum = 0.0, []
            for _src, weight in table:
                acc += weight
                cum.append(acc)
            self.sources[group] = ([str(s) for s, _ in table], cum)

    def day_counts(self, matters: int) -> list[tuple[float, int]]:
        """(local midnight, matters that day) over the history: more on weekdays, growing as more residents
        use the platform, summing to exactly `matters`."""
        city = self.city
        days = []
        t = city.midnight(city.start)
        last = city.midnight(city.now)
        while t <= last:
            days.append(t)
            t = city.midnight(t + DAY + 7200)
        n = len(days)
        weights = []
        for i, d in enumerate(days):
            weekday = dt.datetime.fromtimestamp(d + 43200, city.tz).weekday()
            share = 1.0
            if i == n - 1:
                share = max(0.02, (city.now - d) / DAY)
            weights.append((0.75 + 0.5 * i / max(1, n - 1)) * (0.8 if weekday >= 5 else 1.08) * share)
        total = sum(weights)
        exact = [matters * w / total for w in weights]
        counts = [int(x) for x in exact]
        short = matters - sum(counts)
        for i in sorted(range(n), key=lambda i: exact[i] - counts[i], reverse=True)[:short]:
            counts[i] += 1
        return list(zip(days, counts, strict=True))

    # -- who -------------------------------------------------------------------------------------------
    def chain(self, micro):
        nodes = []
        node = micro
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes

    def held(self, node, role):
        people = node.held.get(role)
        return people[0] if people else None

    def route(self, cat: Cat, micro):
        """`routing.route` on the duties written: (person, role, handling node) or None."""
        key = (cat.id, micro.id if cat.level == LEVEL_ORDER.index(Level.MICRO_GRID) else micro.parent.id)
        found = self._routes.get(key)
        if found is None and key not in self._routes:
            nodes = self.chain(micro)
            eligible = [n for n in nodes if LEVEL_ORDER.index(n.level) <= cat.level]
            if cat.org_kind:
                role = f"{Role.JOINT_UNIT_LIAISON}:{cat.org_kind}"
                found = next(((p[0], Role.JOINT_UNIT_LIAISON.value, n) for n in eligible if (p := n.held.get(role))),
                             None)
            else:
                found = next(((p[0], cat.role, n) for n in eligible if (p := n.held.get(cat.role))), None)
            if found is None:
                found = next(((p[0], Role.GRID_LEADER.value, n) for n in nodes if (p := n.held.get(Role.GRID_LEADER))),
                             None)
            if found is None:
                found = next(((p[0], Role.TWO_COMMITTEE_MEMBER.value, n) for n in nodes if n.level == Level.COMMUNITY
                              and (p := n.held.get(Role.TWO_COMMITTEE_MEMBER))), None)
            self._routes[key] = found
        return found

    def ladder(self, micro):
        """`routing.ladder`: (rank, person, role, node), lowest first."""
        found = self._ladders.get(micro.id)
        if found is None:
            found = []
            for node in self.chain(micro):
                for role in _LADDER:
                    if role == Role.TWO_COMMITTEE_MEMBER and node.level not in (Level.COMMUNITY, Level.SUBDISTRICT):
                        continue
                    for person in node.held.get(role, ()):
                        found.append(((-node.depth, _ROLE_RANK.get(role, 0)), person, role.value, node))
            found.sort(key=lambda h: h[0])
            self._ladders[micro.id] = found
        return found

    def label(self, person) -> str:
        return self.names.get(person, "")[:60] if person is not None else ""

    def labels(self, micro) -> tuple[str, str, str, str]:
        """Who acts around a micro-grid: (its micro-grid member, the estate's grid member, the area's grid
        leader, the community's first two-committee member), each falling back to the next one up."""
        found = self._labels.get(micro.id)
        if found is None:
            community = micro.parent.parent.parent
            secretary = self.label(self.held(community, Role.TWO_COMMITTEE_MEMBER)) or "系统"
            leader = self.label(self.held(micro.parent.parent, Role.GRID_LEADER)) or secretary
            member = self.label(self.held(micro.parent, Role.GRID_MEMBER)) or leader
            found = self._labels[micro.id] = (self.label(self.held(micro, Role.MICRO_GRID_MEMBER)) or member,
                                              member, leader, secretary)
        return found

    def grid_member(self, m: Sim) -> str:
        return self.labels(m.micro)[1]

    def leader(self, m: Sim) -> str:
        return self.labels(m.micro)[2]

    def by(self, m: Sim, action: str) -> str:
        r = self.rng.random()
        _micro, member, leader, _secretary = self.labels(m.micro)
        if action in ("accept", "dispatch"):
            return self.label(m.assignee) if r < 0.65 and m.assignee is not None else member
        if action in ("start", "resolve"):
            return self.label(m.assignee) if m.assignee is not None else member
        if action in ("verify", "rework", "reject", "merge"):
            return member if r < 0.75 else leader
        if action == "close":
            return leader if r < 0.6 else member
        if action in ("hold", "resume"):
            return leader
        if action == "withdraw":
            return m.reporter[0] or member
        raise ValueError(action)  # pragma: no cover

    # -- the rules of services.py ------------------------------------------------------------------------
    def event(self, m: Sim, at: float, action: str, label: str, from_state="", to_state="", note="",
              data: str = _EMPTY, public: bool = True) -> None:
        m.events.append((at, action, from_state, to_state, label, note, data, public))

    def enter(self, m: Sim, state: str, at: float) -> None:
        m.state = state
        stage = STAGE_OF.get(state, "")
        if stage != m.stage:
            m.stage = stage
            if stage:
                amount, unit = m.cat.sla[stage]
                m.deadline = self.clock.add(at, amount, unit)
            else:
                m.deadline = None
            m.dseq += 1
            if stage == "resolve" and m.resolve_due is None:
                m.resolve_due = m.deadline
        if m.left_open is None and state not in OPEN_STATES:
            m.left_open = at

    def sweep(self, m: Sim, until: float) -> None:
        """Escalate every deadline that passed before `until`, as the minute-by-minute sweep would have."""
        rng = self.rng
        for _ in range(40):
            if m.deadline is None or m.state not in STAGE_OF:
                return
            at = max(m.deadline, m.t) + rng.uniform(3, 58)
            if at >= until:
                return
            current = (-m.hgrid.depth, _ROLE_RANK.get(m.role, 0)) if m.hgrid is not None else (-99, -1)
            handler = next((h for h in self.ladder(m.micro) if h[0] > current and h[1] != m.assignee), None)
            m.escalations.append((m.dseq, m.stage, m.deadline, at, m.assignee,
                                  handler[1] if handler else None,
                                  handler[3].id if handler else (m.hgrid.id if m.hgrid is not None else None)))
            previous = m.assignee
            if handler is not None:
                m.assignee, m.role, m.hgrid = handler[1], handler[2], handler[3]
            m.esc_level += 1
            m.breached = True
            amount, unit = m.cat.sla[m.stage]
            m.deadline = self.clock.add(at, amount, unit)
            m.dseq += 1
            m.updated = at
            self.event(m, at, "escalate", "系统", note=f"{_STAGE_LABEL[m.stage]}超时，升级处理",
                       data=json.dumps({"from": previous, "to": handler[1] if handler else None, "stage": m.stage}),
                       public=False)

    def act(self, m: Sim, action: str, at: float, note: str | None = None, label: str | None = None) -> None:
        """Take `action` at `at`, or raise NotYet when that is after the load."""
        if at > self.now:
            raise NotYet
        self.sweep(m, at)
        if label is None:
            label = self.by(m, action)
        if note is None:
            note = self.note(m, action)
        from_state = m.state
        if action == "hold":
            m.held_state = from_state
            if m.deadline is not None:
                m.held_left = self.clock.remaining(m.cat.sla[m.stage][1], m.deadline, at)
            stage = m.stage
            self.enter(m, S.ON_HOLD, at)
            m.stage, m.deadline = stage, None
        elif action == "resume":
            m.state = m.held_state
            m.deadline = (self.clock.resume(m.cat.sla[m.stage][1], at, m.held_left)
                          if m.held_left is not None else None)
            m.dseq += 1
            m.held_state, m.held_left = "", None
        else:
            if action == "rework":
                m.reworks += 1
                m.stage = ""
            self.enter(m, _TARGET[action], at)
        if action == "resolve":
            m.resolved_at = at
        elif action == "close":
            m.closed_at = at
        self.event(m, at, action, label, from_state, m.state, note)
        m.updated = at
        m.t = at

    def rate(self, m: Sim, at: float, rating: str, comment: str | None = None) -> None:
        if at > self.now:
            raise NotYet
        self.sweep(m, at)
        if comment is None:
            comment = self.rng.choice(_RATING_COMMENTS[rating])
        m.rating, m.rating_comment, m.rated_at = rating, comment, at
        reopen = rating == UNSATISFIED and not m.reopened
        if reopen:
            m.reopened = True
            m.reworks += 1
            m.stage = ""
            self.enter(m, S.REWORK, at)
        else:
            self.enter(m, S.EVALUATED, at)
        m.updated = at
        self.event(m, at, "rate", m.reporter[0], S.CLOSED, m.state, comment, json.dumps({"rating": rating}))
        if reopen:
            leader = next((h for h in self.ladder(m.micro) if h[2] == Role.GRID_LEADER), None)
            if leader is not None:
                previous = m.assignee
                m.assignee, m.role, m.hgrid = leader[1], leader[2], leader[3]
                self.event(m, at, "assign", "系统", note="居民不满意，请网格长复核",
                           data=json.dumps({"from": previous, "to": leader[1]}), public=False)
        m.t = at

    def note(self, m: Sim, action: str) -> str:
        r = self.rng
        if action == "accept":
            return r.choice(_ACCEPT_NOTES)
        if action == "dispatch":
            return r.choice(_DISPATCH_NOTES)
        if action == "start":
            kind = {Role.PROPERTY_STAFF: "property", Role.MICRO_GRID_MEMBER: "micro",
                    Role.JOINT_UNIT_LIAISON: "liaison"}.get(m.role, "grid")
            return r.choice(_START_NOTES[kind])
        if action == "resolve":
            return m.resolution
        if action == "verify":
            return r.choice(_VERIFY_NOTES)
        if action == "close":
            return r.choice(_CLOSE_NOTES)
        if action == "rework":
            return r.choice(_REWORK_NOTES)
        if action == "reject":
            return r.choice(_REJECT_NOTES)
        if action == "withdraw":
            return r.choice(_WITHDRAW_NOTES)
        return ""  # pragma: no cover

    # -- time --------------------------------------------------------------------------------------------
    def exit_time(self, m: Sim, late: bool, lo: float = 0.08, hi: float = 0.85) -> float:
        """When the matter leaves its stage: before the deadline, or (late) after it."""
        r = self.rng
        amount, unit = m.cat.sla[m.stage]
        if not late or m.deadline is None:
            at = self.clock.span(m.t, m.deadline if m.deadline is not None else m.t + 3600, r.uniform(lo, hi), unit)
        else:
            k = r.uniform(0.25, 0.9) if r.random() < 0.8 else r.uniform(1.1, 1.8)
            at = self.clock.add(m.deadline, amount * k, unit) + r.uniform(120, 2400)
        return max(at, m.t + r.uniform(60, 360))

    def working_gap(self, m: Sim, lo: float, hi: float) -> float:
        return self.clock.add_working_seconds(m.t, self.rng.uniform(lo, hi)) + self.rng.uniform(20, 300)

    def natural_gap(self, m: Sim, lo_h: float, hi_h: float) -> float:
        at = m.t + self.rng.uniform(lo_h, hi_h) * 3600
        local = (at - self.city.midnight(at)) / 3600
        if not 7 <= local < 22:
            at = self.city.midnight(at) + self.rng.uniform(7, 11) * 3600
            if at <= m.t:
                at += DAY
        return at

    # -- a life ------------------------------------------------------------------------------------------
    def life(self, m: Sim) -> Life:
        r = self.rng
        life = Life()
        draw = r.random()
        if draw < P_REJECT:
            life.outcome = "reject"
            return life
        if draw < P_REJECT + P_WITHDRAW and m.source != Source.PATROL:
            life.withdraw_from = r.choice([S.REPORTED, S.ACCEPTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS])
        if r.random() < P_LATE:
            late = [r.choices(_STAGES, weights=[3, 2, 5, 1])[0]]
            if r.random() < 0.25:
                late.append(r.choice(_STAGES[:3]))
            life.late = tuple(late)
            life.supervise = r.random() < 0.3
        if m.cat.code in _HOLDABLE and r.random() < P_HOLD:
            life.hold_from = r.choice([S.ACCEPTED, S.IN_PROGRESS, S.IN_PROGRESS])
            life.hold_days = (r.uniform(60, 400) if r.random() < P_LONG_HOLD else r.lognormvariate(math.log(5), 0.8))
        if r.random() < P_REWORK:
            life.reworks = 1
        if m.source != Source.PATROL and r.random() < P_RATED:
            weights = [60, 30, 10] if life.late else [86, 12, 2.5]
            first = r.choices(_RATINGS, weights=weights)[0]
            life.ratings = [first]
            if first == UNSATISFIED:
                life.ratings.append(r.choices(_RATINGS, weights=[40, 40, 20])[0])
        return life

    def run(self, m: Sim, life: Life) -> None:
        try:
            self._run(m, life)
        except NotYet:
            pass
        if m.state in OPEN_STATES:
            self.sweep(m, self.now)

    def _stage_step(self, m: Sim, life: Life, action: str, late: bool = False, lo=0.08, hi=0.85) -> None:
        at = self.exit_time(m, late, lo, hi)
        if life.supervise and m.supervised_at is None and m.deadline is not None and at > m.deadline:
            when = m.deadline + (at - m.deadline) * self.rng.uniform(0.3, 0.7)
            if m.t < when <= self.now:
                self.sweep(m, when)
                m.supervised_at = when
                m.supervised_by = self.held(m.micro.parent.parent, Role.GRID_LEADER)
                m.updated = max(m.updated, when)
                self.event(m, when, "supervise", self.leader(m), note=self.rng.choice(_SUPERVISE_NOTES),
                           public=False)
        self.act(m, action, at)

    def _run(self, m: Sim, life: Life) -> None:
        r = self.rng
        late = life.late
        step = self._stage_step
        if life.outcome == "reject":
            step(m, life, "reject")
            return
        if life.withdraw_from == S.REPORTED:
            step(m, life, "withdraw")
            return
        step(m, life, "accept", "accept" in late)
        if life.withdraw_from == S.ACCEPTED:
            step(m, life, "withdraw")
            return
        if life.hold_from == S.ACCEPTED:
            self.hold(m, life)
        step(m, life, "dispatch", "dispatch" in late, 0.02, 0.6)
        if life.withdraw_from == S.DISPATCHED:
            step(m, life, "withdraw", False, 0.05, 0.5)
            return
        step(m, life, "start", False, 0.02, 0.25)
        if life.withdraw_from == S.IN_PROGRESS:
            step(m, life, "withdraw", False, 0.1, 0.6)
            return
        if life.hold_from == S.IN_PROGRESS:
            self.hold(m, life)
        step(m, life, "resolve", "resolve" in late, 0.15, 0.9)
        for _ in range(life.reworks):
            step(m, life, "rework", False, 0.1, 0.6)
            step(m, life, "start", False, 0.02, 0.2)
            step(m, life, "resolve", "resolve" in late and r.random() < 0.5, 0.2, 0.8)
        step(m, life, "verify", "verify" in late)
        self.act(m, "close", self.working_gap(m, 300, 5 * 3600))
        for rating in life.ratings:
            self.rate(m, self.natural_gap(m, 0.5, 60), rating)
            if m.state != S.REWORK:
                return
            step(m, life, "start", False, 0.02, 0.2)
            self.act(m, "resolve", self.exit_time(m, False, 0.2, 0.8), None, None)
            self.act(m, "verify", self.exit_time(m, False), "网格长现场复核，已解决", self.leader(m))
            self.act(m, "close", self.working_gap(m, 300, 4 * 3600), None, self.leader(m))

    def hold(self, m: Sim, life: Life) -> None:
        hold_note, resume_note = self.rng.choice(_HOLDS)
        natural = m.cat.sla[m.stage][1] == "hours"
        at = self.exit_time(m, False, *((0.02, 0.1) if natural else (0.1, 0.5)))
        self.act(m, "hold", at, hold_note, self.leader(m))
        resume = self.clock.add_working_seconds(m.t + life.hold_days * DAY, self.rng.uniform(0, 3 * 3600))
        self.act(m, "resume", resume, resume_note, self.leader(m))

    # -- a new matter ------------------------------------------------------------------------------------
    def new(self, created: float, micro, cat: Cat, source: str, *, reporter=None, description=None,
            resolution=None, in_home=None) -> Sim:
        r = self.rng
        m = Sim()
        m.id = self.next_matter
        self.next_matter += 1
        m.cat = cat
        m.micro = micro
        m.source = source
        m.created = m.t = m.updated = created
        adult = reporter or micro.adults[r.randrange(len(micro.adults))]
        m.adult = adult
        unit = adult[8]
        m.unit = unit
        in_home = cat.code in _IN_HOME if in_home is None else in_home
        m.home = adult[1] if in_home and source not in (Source.PATROL, Source.OPEN311) else None
        building = unit.building
        tag = ""
        if description is None:
            month = dt.datetime.fromtimestamp(created, self.city.tz).month
            item = self.item(cat, month)
            floor = adult[4] if in_home else r.randint(1, building.kind.floors)
            upper = (f"楼上{adult[4] + 1}{adult[5][-2:]}室" if adult[4] < building.kind.floors else "楼上邻居")
            description = item[0].format(estate=micro.parent.name, building=building.name, unit=unit.name,
                                         floor=floor, upper=upper)
            resolution = item[1]
            tag = item[2] if len(item) > 2 else ""
            if source == Source.HOTLINE:
                description = _HOTLINE_PREFIX + description
        else:
            floor = adult[4]
        m.description = description
        m.resolution = resolution or "已处理"
        m.reporter = ("", "") if source == Source.PATROL else (adult[2][:50], adult[3])
        m.tag, m.floor = tag, floor
        handler = self.route(cat, micro)
        if handler is not None:
            m.assignee, m.role, m.hgrid = handler
        else:
            m.assignee, m.role, m.hgrid = None, "", None
        m.state = ""
        self.enter(m, S.REPORTED, created)
        self.event(m, created, "report", self.reporting_label(m), "", S.REPORTED, "", _SOURCE_DATA[source])
        return m

    def item(self, cat: Cat, month: int) -> tuple:
        winter, summer = month in (11, 12, 1, 2, 3), month in (5, 6, 7, 8, 9)
        items = cat.items
        fitting = [i for i in items if len(i) < 3 or i[2] not in ("heating", "winter", "summer")
                   or (i[2] in ("heating", "winter") and winter) or (i[2] == "summer" and summer)]
        return self.rng.choice(fitting or items)

    def reporting_label(self, m: Sim) -> str:
        """Who took the report, as intake labels it."""
        source = m.source
        if source in (Source.VISIT, Source.PATROL):
            labels = self.labels(m.micro)
            return labels[1] if source == Source.PATROL and self.rng.random() < 0.4 else labels[0]
        if source == Source.HOTLINE:
            committee = m.micro.parent.parent.parent.held.get(Role.TWO_COMMITTEE_MEMBER) or []
            return self.label(committee[-1]) if committee else "系统"
        if source == Source.OPEN311:
            return f"Open311：{OPEN311_CLIENT}"[:60]
        return m.reporter[0]

    def attributes(self, m: Sim) -> str:
        code, tag, r = m.cat.code, m.tag, self.rng
        if code == "property-lift":
            return json.dumps({"trapped": "yes" if tag == "trapped" else "no", "floor": float(m.floor)})
        if code == "property-utilities":
            return json.dumps({"kind": tag or "water"})
        if code == "property-parking" and r.random() < 0.4:
            return json.dumps({"plate": f"晋A{r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{r.randint(10000, 99999)}"},
                              ensure_ascii=False)
        if code == "order-noise" and r.random() < 0.5:
            return json.dumps({"when": r.choice(_NOISE_WHEN)}, ensure_ascii=False)
        return _EMPTY

    def point(self, m: Sim) -> tuple[float, float]:
        """At the unit's door (or behind the building), always inside the micro-grid's rectangle."""
        r = self.rng
        x0, y0, x1, y1 = m.micro.box
        dx, dy = m.unit.door
        x = min(max(dx + r.uniform(-4, 4), x0 + 1), x1 - 1)
        if m.home is not None or r.random() < 0.6:
            y = dy + r.uniform(-1.0, 1.0)
        else:
            y = y1 - 3 + r.uniform(-1.0, 1.0)
        return lon(x), lat(min(max(y, y0 + 1), y1 - 1))

    # -- the whole history ----------------------------------------------------------------------------------
    def generate(self, matters: int, stage, *, workers: int = 1) -> None:
        """Every day's matters, in order. With `workers` > 1 (PostgreSQL), days are simulated in forked
        processes that hand back COPY data; this process writes it and adds the visits and disputes."""
        self.prepare()
        if matters == 0 or not self.micros:
            return
        self.days = self.day_counts(matters)
        first = self.matters.next_id
        self.first_ids = []
        for _day, n in self.days:
            self.first_ids.append(first)
            first += n
        self.matters.next_id = first
        if workers > 1 and len(self.days) > 1:
            self._parallel(workers, stage)
            return
        for i in range(len(self.days)):
            self.take(self.day(i))
            stage.update(self.days[i][1])

    def _parallel(self, workers: int, stage) -> None:
        import multiprocessing

        global _WORKING
        _WORKING = self
        context = multiprocessing.get_context("fork")
        pending = collections.deque()
        with context.Pool(workers) as pool:
            for i in range(len(self.days)):
                pending.append((i, pool.apply_async(_day_as_copy, (i,))))
                while len(pending) > workers * 2:
                    self._take_copy(pending.popleft(), stage)
            while pending:
                self._take_copy(pending.popleft(), stage)
        _WORKING = None

    def _take_copy(self, item, stage) -> None:
        i, result = item
        data, visits, disputes = result.get()
        for table, chunk in zip((self.matters, self.events, self.escalations), data, strict=True):
            self.w.copy_data(table, chunk)
        self.take(([], [], [], visits, disputes))
        stage.update(self.days[i][1])

    def take(self, out) -> None:
        """Write one day's rows (the serial path), then its visits and disputes."""
        matters, events, escalations, visits, disputes = out
        self.matters.extend(matters)
        self.events.extend(events)
        self.escalations.extend(escalations)
        ts = self.w.ts
        for matter_id, home, micro_id, worker, created, sub in visits:
            visit = self.visits.new_id()
            stamp = ts(created)
            self.visits.add((visit, home, micro_id, worker, None, stamp, "met", "入户走访时居民反映问题，已登记为关键小事", None,
                             stamp, sub))
            self.visit_matters.add((visit, matter_id))
        if self.fieldwork is not None:
            for request in disputes:
                self.fieldwork.from_matter(request, self.micro_by_id[request[1]])

    def day(self, i: int):
        """The rows of day `i`: (matters, events, escalations, visit requests, dispute requests)."""
        day, n = self.days[i]
        self.rng = r = random.Random(f"{self.seed}:matters:{i}")
        self.next_matter = self.first_ids[i]
        self.out_matters, self.out_events, self.out_escalations = [], [], []
        self.out_visits, self.out_disputes = [], []
        city = self.city
        cum, total, micros = self.cum, self.total, self.micros
        local = dt.datetime.fromtimestamp(day + 43200, city.tz)
        cats, cat_cum = self.month_cats[local.month]
        cat_total = cat_cum[-1]
        drawn = []
        for _ in range(n):
            micro = micros[bisect.bisect_right(cum, r.random() * total)]
            cat = cats[bisect.bisect_right(cat_cum, r.random() * cat_total)]
            if cat.code == "property-lift" and not any(u.building.kind.floors >= 11 for u in micro.units):
                cat = self.by_code.get("property-repair", cat)
            names, src_cum = self.sources[cat.group]
            source = names[bisect.bisect_right(src_cum, r.random() * src_cum[-1])]
            if source == Source.PATROL and cat.code in _IN_HOME:
                source = Source.VISIT
            if cat.code.startswith("emergency"):
                hour = r.randrange(24)
            elif source in (Source.VISIT, Source.PATROL, Source.DELIBERATION):
                hour = r.choice(_HOURS["staff"])
            elif source == Source.HOTLINE:
                hour = r.choice(_HOURS["hotline"])
            else:
                hour = r.choice(_HOURS["resident"])
            at = day + hour * 3600 + r.randrange(3600)
            if at >= city.now:
                at = day + r.random() * max(60.0, city.now - day - 60)
            drawn.append((at, micro, cat, source))
        drawn.sort(key=_AT)
        left = n
        for at, micro, cat, source in drawn:
            if left == 0:
                break
            m = self.new(at, micro, cat, source)
            self.run(m, self.life(m))
            left -= 1
            duplicate = None
            if left and cat.code in _MERGEABLE and r.random() < P_DUPLICATE:
                duplicate = self.duplicate(m)
                if duplicate is not None:
                    left -= 1
            self.emit(m)
            if duplicate is not None:
                self.emit(duplicate)
        return self.out_matters, self.out_events, self.out_escalations, self.out_visits, self.out_disputes

    def duplicate(self, primary: Sim) -> Sim | None:
        """Another resident reports the same thing; a dispatcher merges it into the first while that is open."""
        r = self.rng
        at = primary.created + r.uniform(0.3, 18) * 3600
        end = min(primary.left_open or self.now, self.now)
        if at >= end - 1800:
            return None
        m = self.new(at, primary.micro, primary.cat, Source.RESIDENT,
                     description=primary.description.removeprefix(_HOTLINE_PREFIX), resolution=primary.resolution,
                     in_home=False)
        m.tag, m.floor = primary.tag, primary.floor

        def before_end() -> float:
            when = self.exit_time(m, False, 0.1, 0.8)
            return when if when < end else m.t + (end - m.t) * r.uniform(0.3, 0.7)

        if r.random() < 0.4:
            self.act(m, "accept", before_end())
        when = before_end()
        self.sweep(m, when)
        label = self.grid_member(m)
        note = r.choice(_MERGE_NOTES)
        from_state = m.state
        m.merged_into = primary.id
        self.enter(m, S.MERGED, when)
        m.updated = m.t = when
        self.event(m, when, "merge", label, from_state, S.MERGED, note, json.dumps({"into": primary.id}))
        self.event(primary, when, "absorb", label, note=note, data=json.dumps({"from": m.id}))
        return m

    # -- rows ------------------------------------------------------------------------------------------------
    def token(self) -> str:
        if not self._tokens:
            raw = base64.urlsafe_b64encode(os.urandom(12 * 4096)).decode()
            self._tokens = [raw[i:i + 16] for i in range(0, len(raw), 16)]
        return self._tokens.pop()

    def emit(self, m: Sim) -> None:
        ts = self.w.ts
        r = self.rng
        micro = m.micro
        sub = micro.parent.parent.parent.parent.id
        unit = m.unit
        address = f"{micro.parent.name}{unit.building.name}{unit.name}"
        plon, plat = self.point(m)
        open311 = m.source == Source.OPEN311
        self.out_matters.append((
            m.id, sub, self.keys.text(m.description) + " " + self.keys.text(address), m.cat.id, m.source, m.state,
            m.description, self.attributes(m), micro.id, None if open311 else unit.id, m.home, plon, plat, address,
            None, m.reporter[0], m.reporter[1], "", m.source == Source.RESIDENT and r.random() < P_ANONYMOUS,
            self.client_of[sub] if open311 else None, f"synth-{r.getrandbits(40):010x}" if open311 else "",
            self.token(), m.assignee, m.role, m.hgrid.id if m.hgrid is not None else None, m.esc_level, m.stage,
            ts(m.deadline) if m.deadline is not None else None, m.dseq, m.held_state, m.held_left, m.breached,
            ts(m.resolve_due) if m.resolve_due is not None else None,
            ts(m.supervised_at) if m.supervised_at is not None else None, m.supervised_by, m.rating,
            m.rating_comment, ts(m.rated_at) if m.rated_at is not None else None, m.reopened, m.reworks,
            m.merged_into, ts(m.created), ts(m.updated), ts(m.resolved_at) if m.resolved_at is not None else None,
            ts(m.closed_at) if m.closed_at is not None else None,
        ))
        append = self.out_events.append
        mid = m.id
        events = m.events
        if any(events[k][0] > events[k + 1][0] for k in range(len(events) - 1)):
            events = sorted(events, key=_AT)
        for seq, e in enumerate(events, start=1):
            append((mid, seq, ts(e[0]), e[1], e[2], e[3], None, e[4], e[5], e[6], e[7]))
        for dseq, stage, deadline, at, source, target, grid in m.escalations:
            self.out_escalations.append((mid, dseq, stage, ts(deadline), ts(at), source, target, grid))
        if m.source == Source.VISIT and m.home is not None:
            self.out_visits.append((mid, m.home, micro.id, self.held(micro, Role.MICRO_GRID_MEMBER), m.created, sub))
        if self.fieldwork is not None and (m.cat.group == "dispute" or m.cat.code == "order-noise"):
            self.out_disputes.append((mid, micro.id, m.home, m.cat.code, m.created, m.left_open, m.state,
                                      m.closed_at, micro.adults.index(m.adult), m.description))


def _day_as_copy(i: int):
    """In a worker process: day `i` as COPY data for matters, events and escalations, and the requests for
    visits and disputes that the main process writes."""
    history = _WORKING
    matters, events, escalations, visits, disputes = history.day(i)
    return ([copy_text(rows) for rows in (matters, events, escalations)], visits, disputes)


_WORKING: History | None = None


def _at(event: tuple) -> float:
    return event[0]


_AT = _at
_TARGET = {"accept": S.ACCEPTED, "reject": S.REJECTED, "dispatch": S.DISPATCHED, "start": S.IN_PROGRESS,
           "resolve": S.RESOLVED, "verify": S.VERIFIED, "rework": S.REWORK, "close": S.CLOSED,
           "withdraw": S.WITHDRAWN}
MATTER_FIELDS = [
    "id", "subdistrict", "search_text", "category", "source", "state", "description", "attributes", "grid", "unit",
    "household", "lon", "lat", "address", "reporter_user", "reporter_name", "reporter_phone", "reporter_email",
    "anonymous", "open311_client", "device_id", "token", "assignee", "assignee_role", "handling_grid",
    "escalation_level", "stage", "deadline", "deadline_seq", "held_state", "held_remaining_s", "breached",
    "resolve_due", "supervised_at", "supervised_by", "rating", "rating_comment", "rated_at", "reopened",
    "rework_count", "merged_into", "created_at", "updated_at", "resolved_at", "closed_at",
]
EVENT_FIELDS = ["matter", "seq", "at", "action", "from_state", "to_state", "actor_user", "actor_label", "note", "data",
                "public"]
_SOURCE_DATA = {s.value: json.dumps({"source": s.value}) for s in Source}
_RATINGS = [SATISFIED, BASIC, UNSATISFIED]
