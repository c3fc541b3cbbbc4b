"""The registry and the people of the synthetic city: grid nodes, organisations, buildings, units,
households, residents, persons, memberships, duties — and the door-to-door visits of the last two periods.

Families come from the demo's generator (`wangge.demo.generator._family`: who lives together, their ages,
names of their decade, care flags, party members), through `CityIdentities`, which hands out ID numbers
and phones that are unique by construction instead of by remembering every one (the demo's `Identities`
keeps them all in sets, which a city of millions cannot afford). Who serves where follows the demo: a
micro-grid member from the micro-grid's residents, a grid member from the estate's, an outside grid leader
per area grid (also a two-committee member, hence property-service supervisor), property staff per
estate, liaisons of the police station, the fire brigade and the housing bureau per community.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from wangge.core.pii import id_check_char
from wangge.core.text import search_key
from wangge.demo.generator import _family
from wangge.demo.names import MOBILE_PREFIXES, Identities
from wangge.demo.visits import NOTES_CARE, NOTES_MET, NOTES_OTHER
from wangge.fieldwork.visits.models import DEFAULT_CARE_PERIOD_DAYS, DEFAULT_PERIOD_DAYS, Outcome, Visit
from wangge.people.models import Duty, Membership, Organisation, Person, Role
from wangge.people.models import OrganisationKind as Kind
from wangge.registry.models import Building, GridNode, Household, Level, Occupancy, Relation, Resident, Unit

from .layout import DISTRICT_NAME, PROFILES, Node, boundary, lat, lon

DAY = 86400
ADULTS_KEPT = 8           # residents per micro-grid remembered as the ones who report matters
VISIT_NEVER = 0.015       # households never met at the door
VISIT_LAPSED = 0.08       # households whose last visit is past its period


class CityIdentities(Identities):
    """The demo's names, with ID numbers of the synthetic district's region numbered per birth date and
    gender (500 a day each, scrambled), and phones numbered through a permutation of the 10⁸ numbers
    behind each mobile prefix: unique without remembering them."""

    def __init__(self, rng: random.Random, *, region: str, taken: set[str]):
        super().__init__(rng)
        self.region = region
        self.taken = taken
        self.counts: dict[tuple[dt.date, str], int] = {}
        self.issued = 0
        self._offset = rng.randrange(10**8)

    def id_number(self, birth: dt.date, gender: str) -> str:
        while True:
            key = (birth, gender)
            k = self.counts.get(key, 0)
            if k >= 500:
                birth -= dt.timedelta(days=1)
                continue
            self.counts[key] = k + 1
            k = (k * 263 + 71) % 500
            first17 = f"{self.region}{birth:%Y%m%d}{k // 5:02d}{(k % 5) * 2 + (1 if gender == 'M' else 0)}"
            number = first17 + id_check_char(first17)
            if number not in self.taken:
                return number

    def phone(self) -> str:
        i = self.issued
        self.issued += 1
        prefix = MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)]
        return f"{prefix}{(i // len(MOBILE_PREFIXES) * 73_939_133 + self._offset) % 10**8:08d}"


class Keys:
    """`search_key` memoised per distinct text (pypinyin takes ~60 µs a name; a city repeats names)."""

    def __init__(self):
        self.named: dict[str, str] = {}
        self.plain: dict[str, str] = {}

    def name(self, text: str) -> str:
        key = self.named.get(text)
        if key is None:
            key = self.named[text] = search_key(text)
        return key

    def text(self, text: str) -> str:
        key = self.plain.get(text)
        if key is None:
            if len(self.plain) > 300_000:
                self.plain.clear()
            key = self.plain[text] = search_key(text, pinyin=False)
        return key


class Population:
    def __init__(self, city):
        self.city = city
        self.w = city.writer
        self.keys = city.keys
        self.rng = random.Random(f"{city.seed}:people")
        self.visit_rng = random.Random(f"{city.seed}:visits")
        self.names = CityIdentities(self.rng, region=city.district.code, taken=city.taken_id_numbers)
        w = self.w
        self.grids = w.table(GridNode, ["id", "parent", "level", "code", "name", "path", "depth", "boundary",
                                        "boundary_changed_at", "subdistrict", "search_text"])
        self.orgs = w.table(Organisation, ["id", "name", "kind", "parent", "grid", "subdistrict", "search_text"])
        self.persons = w.table(Person, ["id", "name", "phone", "resident", "grid", "subdistrict", "search_text"])
        self.memberships = w.table(Membership, ["id", "person", "organisation", "post", "is_party_member", "start",
                                                "end", "subdistrict"])
        self.duties = w.table(Duty, ["id", "person", "role", "grid", "organisation", "start", "end", "note",
                                     "subdistrict"])
        self.buildings = w.table(Building, ["id", "estate_grid", "name", "floors", "lon", "lat", "subdistrict",
                                            "search_text"])
        self.units = w.table(Unit, ["id", "building", "name", "micro_grid", "subdistrict"])
        self.households = w.table(Household, ["id", "unit", "floor", "room", "occupancy", "created_at",
                                              "updated_at", "subdistrict"])
        self.residents = w.table(Resident, ["id", "household", "name", "id_number", "phone", "relation", "gender",
                                            "birth_date", "care_flags", "is_party_member", "left_at",
                                            "left_reason", "left_note", "created_at", "updated_at", "subdistrict",
                                            "search_text"])
        self.visits = w.table(Visit, ["id", "household", "grid", "worker", "recorded_by", "visited_at", "outcome",
                                      "notes", "follow_up_on", "created_at", "subdistrict"])
        self.person_names: dict[int, str] = {}
        self.serving: set[int] = set()   # residents who are persons already (a person is one per resident)
        self.org_kind: dict[int, str] = {}
        self.duty_since = w.ts(city.duty_start)
        self.since_day = city.local_day(city.duty_start)
        self.registered = w.ts(city.duty_start)

    # -- the grid tree -----------------------------------------------------------------------------------
    def grid_tree(self) -> None:
        district = self.city.district
        changed = self.w.ts(self.city.now)
        for node in district.walk():
            node.id = self.grids.new_id()
        for node in district.walk():
            parent = node.parent
            node.path = f"{parent.path if parent else '/'}{node.id}/"
            sub = node.subdistrict
            self.grids.add((
                node.id, parent.id if parent else None, str(node.level), node.code, node.name, node.path,
                node.depth, json.dumps(boundary(node.box)), changed, sub.id if sub else None,
                self.keys.name(node.name) + " " + node.code,
            ))

    # -- helpers ---------------------------------------------------------------------------------------
    def org(self, name: str, kind: str, grid: Node, parent: int | None = None) -> int:
        oid = self.orgs.new_id()
        sub = grid.subdistrict
        self.orgs.add((oid, name, kind, parent, grid.id, sub.id if sub else None, self.keys.name(name)))
        self.org_kind[oid] = kind
        return oid

    def outsider(self, grid: Node, ages: tuple[int, int] = (28, 55)) -> int:
        """A person who works here and is not one of the city's residents."""
        gender = self.rng.choice("MF")
        name = self.names.name(gender, 2025 - self.rng.randint(*ages))
        return self._person(name, self.names.phone(), None, grid.id, grid.subdistrict.id)

    def _person(self, name: str, phone: str, resident: int | None, grid: int | None, sub: int) -> int:
        if resident is not None:
            self.serving.add(resident)
        pid = self.persons.new_id()
        self.persons.add((pid, name, phone, resident, grid, sub, self.keys.name(name)))
        self.person_names[pid] = name
        return pid

    def member(self, person: int, org: int, post: str, party: bool, sub: Node) -> None:
        self.memberships.add((self.memberships.new_id(), person, org, post, party, self.since_day, None, sub.id))

    def duty(self, person: int, role: str, grid: Node, org: int | None, note: str = "") -> None:
        self.duties.add((self.duties.new_id(), person, role, grid.id, org, self.duty_since, None, note,
                         grid.subdistrict.id))
        key = role if role != Role.JOINT_UNIT_LIAISON else f"{role}:{self.org_kind.get(org, '')}"
        grid.held.setdefault(key, []).append(person)

    # -- everything ------------------------------------------------------------------------------------
    def run(self, stage) -> None:
        self.grid_tree()
        district = self.city.district
        housing = self.org(f"{DISTRICT_NAME}住房和城乡建设局", Kind.HOUSING_BUREAU, district)
        for sub in district.children:
            short = sub.name.removesuffix("街道")
            self.org(f"{sub.name}办事处", Kind.SUBDISTRICT_OFFICE, sub)
            police = self.org(f"{DISTRICT_NAME}公安分局{short}派出所", Kind.POLICE_STATION, sub)
            fire = self.org(f"{DISTRICT_NAME}消防救援大队{short}消防救援站", Kind.FIRE_BRIGADE, sub)
            for community in sub.children:
                self.community(community, police, fire, housing, stage)

    def community(self, community: Node, police: int, fire: int, housing: int, stage) -> None:
        sub = community.parent
        c = community.name
        committee = self.org(f"{c}党委", Kind.COMMUNITY_PARTY_COMMITTEE, community)
        rc = self.org(f"{c}居民委员会", Kind.RESIDENTS_COMMITTEE, community)
        company = self.org(f"太原市{c.removesuffix('社区')}物业服务有限公司", Kind.PROPERTY_COMPANY, community)
        # Two committees: the secretary first (routing falls back to the first of them), then the office
        # clerk who takes the 12345 hand-overs.
        secretary = self.outsider(community, (40, 55))
        self.member(secretary, committee, "党委书记", True, sub)
        self.member(secretary, rc, "居委会主任", True, sub)
        self.duty(secretary, Role.TWO_COMMITTEE_MEMBER, community, committee, "书记、主任“一肩挑”")
        leaders = []
        for _area in community.children:
            leader = self.outsider(community, (32, 54))
            self.member(leader, committee, "党委委员", True, sub)
            self.duty(leader, Role.TWO_COMMITTEE_MEMBER, community, committee)
            leaders.append(leader)
        clerk = self.outsider(community, (26, 40))
        self.member(clerk, rc, "居委会委员", False, sub)
        self.duty(clerk, Role.TWO_COMMITTEE_MEMBER, community, rc)
        for unit, post in ((police, "社区民警"), (fire, "联络员"), (housing, "联络员")):
            liaison = self.outsider(community, (28, 50))
            self.member(liaison, unit, post, True, sub)
            self.duty(liaison, Role.JOINT_UNIT_LIAISON, community, unit, post)
        for area, leader in zip(community.children, leaders, strict=True):
            group = self.org(f"{area.name}党小组", Kind.GRID_PARTY_GROUP, area, parent=committee)
            self.member(leader, group, "组长", True, sub)
            # duty_assign makes a grid leader who sits on the two committees property-service supervisor.
            self.duty(leader, Role.GRID_LEADER, area, group)
            self.duty(leader, Role.PROPERTY_SUPERVISOR, area, group, "网格长兼任")
            for estate in area.children:
                self.estate(estate, group, company, rc, stage)
            first = next((a for m in area.walk() if m.level == Level.MICRO_GRID for a in m.adults
                          if a[7] and a[0] not in self.serving), None)
            if first is not None:
                rep = self._person(first[2], first[3], first[0], None, sub.id)
                self.duty(rep, Role.RESIDENT_REPRESENTATIVE, area, rc)

    def estate(self, estate: Node, group: int, company: int, rc: int, stage) -> None:
        sub = estate.subdistrict
        staff = self.outsider(estate, (25, 58))
        self.member(staff, company, "物业管家", False, sub)
        self.duty(staff, Role.PROPERTY_STAFF, estate, company)
        for building in estate.buildings:
            building.id = self.buildings.new_id()
            x0, y0, x1, y1 = building.box
            self.buildings.add((building.id, estate.id, building.name, building.kind.floors,
                                lon((x0 + x1) / 2), lat((y0 + y1) / 2), sub.id, self.keys.text(building.name)))
            for unit in building.units:
                unit.id = self.units.new_id()
                self.units.add((unit.id, building.id, unit.name, unit.micro.id, sub.id))
        member = None
        for micro in estate.children:
            candidates = [c for c in self.micro(micro, rc, stage) if c[0] not in self.serving]
            if member is None and candidates:
                member = candidates[-1]
        if member is not None:
            pid = self._person(member[2], member[3], member[0], None, sub.id)
            if member[6]:
                self.member(pid, group, "党员", True, sub)
            self.duty(pid, Role.GRID_MEMBER, estate, group)

    def micro(self, micro: Node, rc: int, stage) -> list[tuple]:
        """Households and residents of one micro-grid; its micro-grid member; its visits. Returns the
        residents fit to serve who were not chosen (for the estate's grid member)."""
        rng = self.rng
        city = self.city
        sub_id = micro.subdistrict.id
        vacant, rented = PROFILES[micro.parent.profile][1]
        created = self.registered
        homes = []     # (household id, care)
        fit = []       # (resident id, household id, name, phone, floor, room, party, head)
        adults = micro.adults
        seen_adults = 0
        for unit in micro.units:
            kind = unit.building.kind
            n = 0
            for floor in range(1, kind.floors + 1):
                for door in range(1, kind.per_floor + 1):
                    if n == unit.households:
                        break
                    n += 1
                    draw = rng.random()
                    occupancy = (Occupancy.VACANT if draw < vacant else
                                 Occupancy.RENTED if draw < vacant + rented else Occupancy.OWNER)
                    hid = self.households.new_id()
                    room = f"{floor}{door:02d}"
                    self.households.add((hid, unit.id, floor, room, occupancy.value, created, created, sub_id))
                    if occupancy == Occupancy.VACANT:
                        continue
                    care = False
                    for r in _family(occupancy, micro.parent.profile, floor, self.names):
                        rid = self.residents.new_id()
                        birth = f"{r.id_number[6:10]}-{r.id_number[10:12]}-{r.id_number[12:14]}"
                        self.residents.add((
                            rid, hid, r.name, r.id_number, r.phone, str(r.relation), r.gender, birth,
                            json.dumps([str(f) for f in r.care_flags]), r.is_party_member, None, "", "", created,
                            created, sub_id, self.keys.name(r.name),
                        ))
                        care = care or bool(r.care_flags)
                        if r.age >= 18 and r.phone:
                            row = (rid, hid, r.name, r.phone, floor, room, r.is_party_member,
                                   r.relation == Relation.SELF, unit)
                            seen_adults += 1
                            if len(adults) < ADULTS_KEPT:
                                adults.append(row)
                            elif rng.random() < ADULTS_KEPT / seen_adults:
                                adults[rng.randrange(ADULTS_KEPT)] = row
                            if 28 <= r.age <= 62 and len(fit) < 12:
                                fit.append(row)
                    homes.append((hid, care))
        stage.update(micro.households)
        worker = None
        if fit:
            party = [f for f in fit if f[6]]
            chosen = rng.choice(party) if party and rng.random() < 0.6 else rng.choice(fit)
            fit.remove(chosen)
            worker = self._person(chosen[2], chosen[3], chosen[0], None, sub_id)
            self.duty(worker, Role.MICRO_GRID_MEMBER, micro, rc)
        if worker is not None and city.visits:
            self.visit_homes(micro, homes, worker)
        return fit

    def visit_homes(self, micro: Node, homes: list[tuple[int, bool]], worker: int) -> None:
        """Visits of about the last two periods, as the demo draws them: mostly met at the door, sometimes
        nobody home (tried again a few days later) or refused; a few households lapsed or never met."""
        rng = self.visit_rng
        city = self.city
        ts = self.w.ts
        sub_id = micro.subdistrict.id
        first_day = city.duty_start + DAY
        for hid, care in homes:
            period = DEFAULT_CARE_PERIOD_DAYS if care else DEFAULT_PERIOD_DAYS
            fate = rng.random()
            if fate < VISIT_NEVER:
                continue
            lapsed = fate < VISIT_NEVER + VISIT_LAPSED
            day = city.now - period * rng.uniform(1.6, 2.4) * DAY
            stop = city.now - period * rng.uniform(1.1, 1.6) * DAY if lapsed else city.now
            while day <= stop:
                at = city.midnight(day) + rng.choice(_VISIT_HOURS) * 3600 + rng.randrange(3600)
                if at >= city.now:
                    break
                roll = rng.random()
                outcome = Outcome.MET if roll < 0.84 else Outcome.NOBODY_HOME if roll < 0.97 else Outcome.REFUSED
                if at >= first_day:
                    if outcome == Outcome.MET:
                        pool = NOTES_CARE + NOTES_MET[:3] if care else NOTES_MET
                    else:
                        pool = NOTES_OTHER[outcome]
                    follow = None
                    if outcome == Outcome.MET and rng.random() < 0.05:
                        follow = city.local_day(at + rng.randint(5, 14) * DAY)
                    stamp = ts(at)
                    self.visits.add((self.visits.new_id(), hid, micro.id, worker, None, stamp, outcome.value,
                                     rng.choice(pool) if rng.random() < 0.8 else "", follow, stamp, sub_id))
                if outcome == Outcome.MET:
                    day += int(period * rng.uniform(0.7, 0.97)) * DAY
                else:
                    day += rng.randint(1, 6) * DAY


_VISIT_HOURS = [9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17, 19]
