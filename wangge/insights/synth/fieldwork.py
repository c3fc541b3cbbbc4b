"""Disputes mediated in the synthetic city (矛盾纠纷调解), grown out of the matters that lead to them.

About `DISPUTES_PER_HOUSEHOLD_YEAR` disputes a household a year (the article's community of some three
thousand households mediated eleven in a year, the demo's seventeen): a neighbour, leak, noise or fee
matter becomes a dispute with the probability that gives that rate. Its parties are the reporter and a
neighbour (or an outsider), its mediators the micro-grid member and the grid member, its sessions fall
between its opening and its conclusion, which is the matter's closing; agreements get their follow-up
visit a month later. Titles, facts and terms are the demo's (`wangge.demo.disputes.ARTICLE_DISPUTES`).
The door-to-door visits are written with the households (`population.Population.visit_homes`) and with
the matters raised on a visit (`matters.History.emit`).
"""

from __future__ import annotations

import datetime as dt
import random

from wangge.demo.disputes import ARTICLE_DISPUTES, PLACES
from wangge.fieldwork.disputes.models import Dispute, Kind, Party, ReferredTo, Session, Side, Status
from wangge.people.models import Role

DAY = 86400
DISPUTES_PER_HOUSEHOLD_YEAR = 0.006
_KIND_OF = {"dispute-leak": Kind.LEAK, "order-noise": Kind.NOISE, "dispute-fee": Kind.PROPERTY_FEE,
            "dispute-neighbour": Kind.NEIGHBOURS}
_OTHER_KINDS = [Kind.PARKING, Kind.FAMILY, Kind.TENANCY, Kind.NEIGHBOURS]
_OUTCOMES = [(Status.AGREEMENT, 80), (Status.REFERRED, 5), (Status.FAILED, 8), (Status.WITHDRAWN, 7)]
_SESSION_NOTES = ["听取双方陈述，明确争议焦点。", "现场查看情况，向双方释法说理。", "双方各退一步，就方案达成一致意向。"]
_FOLLOW_NOTES = ["协议已履行，双方满意", "已按协议整改，邻里关系融洽", "回访时双方表示无新矛盾"]
_FAILURES = ["双方对赔偿金额分歧较大，均不接受调解方案，建议通过诉讼解决", "一方拒不到场，调解无法进行"]
_WITHDRAWALS = ["双方已自行和解，申请撤回", "当事人表示不再追究"]
_DONE = {"closed", "evaluated"}


class Disputes:
    def __init__(self, city, *, matters: int, dispute_share: float):
        self.city = city
        self.w = city.writer
        self.keys = city.keys
        self.rng = random.Random(f"{city.seed}:disputes")
        self.names = city.population.names
        self.person_names = city.population.person_names
        expected = city.households * DISPUTES_PER_HOUSEHOLD_YEAR * city.months / 12
        self.p = min(1.0, expected / max(1.0, matters * dispute_share))
        w = self.w
        self.disputes = w.table(Dispute, [
            "id", "grid", "household", "kind", "title", "summary", "status", "matter", "opened_by",
            "opened_by_label", "opened_at", "updated_at", "concluded_at", "concluded_by_label", "agreement_terms",
            "referred_to", "referred_body", "failure_reason", "withdrawal_reason", "follow_up_on",
            "follow_up_done_on", "follow_up_note", "follow_up_reminded_on", "signed_copy", "signed_copy_type",
            "signed_copy_at", "subdistrict", "search_text",
        ])
        self.parties = w.table(Party, ["id", "dispute", "side", "resident", "name", "phone", "id_number", "added_at"])
        self.sessions = w.table(Session, ["id", "dispute", "held_at", "place", "notes", "recorded_by",
                                          "recorded_by_label", "created_at"])
        self.mediators = w.table(Dispute.mediators.through, ["id", "dispute", "person"])
        self.present_parties = w.table(Session.parties_present.through, ["id", "session", "party"])
        self.present_mediators = w.table(Session.mediators_present.through, ["id", "session", "person"])
        self.content: dict[str, list[tuple]] = {}
        for kind, title, facts, terms, _code in ARTICLE_DISPUTES:
            self.content.setdefault(kind, []).append((title, facts, terms))

    def from_matter(self, request: tuple, micro) -> None:
        """A dispute from a matter that may lead to one (`matters.History.emit` describes it in `request`)."""
        matter, _micro, home, code, created, left_open, state, closed_at, adult, description = request
        r = self.rng
        if r.random() >= self.p or state not in _DONE and left_open is not None:
            return   # rejected, withdrawn or merged matters lead to nothing
        city = self.city
        now = city.now
        ts = self.w.ts
        sub = micro.parent.parent.parent.parent.id
        opened = created + r.uniform(1, 6) * 3600
        if left_open is not None:
            opened = min(opened, created + (left_open - created) / 2)
        if opened >= now - 3600:
            return
        kind = _KIND_OF.get(code, Kind.NEIGHBOURS)
        if kind == Kind.NEIGHBOURS and r.random() < 0.3:
            kind = r.choice(_OTHER_KINDS)
        options = self.content.get(kind.value)
        if options:
            title, facts, terms = r.choice(options)
        else:
            title, facts, terms = f"{kind.label}纠纷", description, "一、双方互谅互让，按调解方案执行；\n二、今后友好相处。"
        mediators = [p for p in (micro.held.get(Role.MICRO_GRID_MEMBER, [None])[0],
                                 micro.parent.held.get(Role.GRID_MEMBER, [None])[0]) if p is not None]
        mediators = list(dict.fromkeys(mediators))
        label = self.person_names.get(mediators[0], "")[:60] if mediators else ""
        concluded = None
        status = r.choices([s for s, _ in _OUTCOMES], [w for _, w in _OUTCOMES])[0]
        if state in _DONE and closed_at is not None:
            concluded = max(opened + 3600, closed_at)
            if concluded >= now:
                concluded = None
        if concluded is None:
            status = Status.MEDIATING if r.random() < 0.6 else Status.OPEN
        extra = {"referred_to": "", "referred_body": "", "failure_reason": "", "withdrawal_reason": ""}
        if status == Status.REFERRED:
            extra.update(referred_to=ReferredTo.POLICE.value, referred_body=f"{micro.parent.parent.parent.parent.name}派出所")
        elif status == Status.FAILED:
            extra["failure_reason"] = r.choice(_FAILURES)
        elif status == Status.WITHDRAWN:
            extra["withdrawal_reason"] = r.choice(_WITHDRAWALS)
        follow_on = follow_done = None
        note = ""
        if status == Status.AGREEMENT:
            day = dt.date.fromisoformat(city.local_day(concluded)) + dt.timedelta(days=30)
            follow_on = day.isoformat()
            if day < dt.date.fromisoformat(city.local_day(now)) - dt.timedelta(days=3):
                follow_done, note = follow_on, r.choice(_FOLLOW_NOTES)
        did = self.disputes.new_id()
        summary = facts or title
        self.disputes.add((
            did, micro.id, home, kind.value, title[:100], summary, status.value, matter, None, label, ts(opened),
            ts(concluded or opened), ts(concluded) if concluded else None, label if concluded else "",
            terms if status == Status.AGREEMENT else "", extra["referred_to"], extra["referred_body"],
            extra["failure_reason"], extra["withdrawal_reason"], follow_on, follow_done, note, None, "", "", None, sub,
            self.keys.text(title[:100]) + " " + self.keys.text(summary),
        ))
        for person in mediators:
            self.mediators.add((self.mediators.new_id(), did, person))
        applicant = micro.adults[adult]
        parties = [self.party(did, Side.APPLICANT, applicant, opened)]
        others = [a for a in micro.adults if a[1] != applicant[1]]
        if others and r.random() < 0.5:
            parties.append(self.party(did, Side.RESPONDENT, r.choice(others), opened))
        else:
            gender = r.choice("MF")
            birth = dt.date(r.randint(1955, 2000), r.randint(1, 12), r.randint(1, 28))
            pid = self.parties.new_id()
            self.parties.add((pid, did, Side.RESPONDENT.value, None, self.names.name(gender, birth.year),
                              self.names.phone(), self.names.id_number(birth, gender), ts(opened)))
            parties.append(pid)
        if status == Status.OPEN:
            return
        count = 1 if status in (Status.WITHDRAWN, Status.REFERRED, Status.MEDIATING) else r.randint(1, 3)
        end = concluded or now - 2 * 3600
        for s in range(count):
            held = opened + (end - opened) * (s + 1) / (count + 1)
            sid = self.sessions.new_id()
            self.sessions.add((sid, did, ts(held), r.choice(PLACES), _SESSION_NOTES[min(s, 2)], None, label, ts(held)))
            for party in parties:
                self.present_parties.add((self.present_parties.new_id(), sid, party))
            for person in mediators:
                self.present_mediators.add((self.present_mediators.new_id(), sid, person))

    def party(self, dispute: int, side: Side, adult: tuple, at: float) -> int:
        pid = self.parties.new_id()
        self.parties.add((pid, dispute, side.value, adult[0], adult[2], "", "", self.w.ts(at)))
        return pid
