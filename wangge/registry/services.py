"""Every write to the grid registry. Keyword-only, one transaction, domain errors on bad input."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wangge.core import geo, pii
from wangge.core.errors import Conflict, FieldError, InvalidInput, full_clean
from wangge.people.access import EDIT_REGISTRY, actor_scope, require

from .locate import boundaries_changed
from .models import (
    BOUNDARY_REQUIRED,
    CODE_LENGTH,
    LEVEL_ORDER,
    Building,
    CareFlag,
    GridNode,
    Household,
    LeftReason,
    Level,
    Occupancy,
    Relation,
    Resident,
    Unit,
    child_level,
)


def validate_boundary(boundary, *, level: str, field: str = "boundary"):
    if boundary in (None, {}, ""):
        if level in BOUNDARY_REQUIRED:
            raise InvalidInput.field(field, "该层级的网格必须有边界")
        return None
    return geo.parse_boundary(boundary, field=field)


@transaction.atomic
def grid_create(
    *, actor=None, parent: GridNode | None, level: str, code: str, name: str, boundary: dict | None = None
) -> GridNode:
    if level not in LEVEL_ORDER:
        raise InvalidInput.field("level", f"未知层级 {level!r}，应为 {'、'.join(LEVEL_ORDER)} 之一")
    code = (code or "").strip()
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "名称不能为空")
    if parent is None:
        if level != Level.DISTRICT:
            raise InvalidInput.field("parent", "只有县（区）可以没有上级")
        if not actor_scope(actor).is_admin:
            raise InvalidInput.field("parent", "只有管理员可以新建县（区）")
    else:
        require(actor_scope(actor), EDIT_REGISTRY, parent)
        expected = child_level(parent.level)
        if level != expected:
            raise InvalidInput.field("level", f"{parent.get_level_display()}的下级应为 {expected}")
    if not code.isdigit() or len(code) != CODE_LENGTH[level]:
        raise InvalidInput.field("code", f"{Level(level).label}编码应为{CODE_LENGTH[level]}位数字")
    if parent is not None and not code.startswith(parent.code):
        raise InvalidInput.field("code", f"编码应以上级编码 {parent.code} 开头")
    if GridNode.objects.filter(code=code).exists():
        raise InvalidInput.field("code", f"编码 {code} 已存在")
    geometry = validate_boundary(boundary, level=level)
    node = GridNode(
        parent=parent,
        level=level,
        code=code,
        name=name,
        boundary=geo.to_geojson(geometry) if geometry is not None else None,
        boundary_changed_at=timezone.now() if geometry is not None else None,
        depth=(parent.depth + 1) if parent else 0,
    )
    node.subdistrict = parent.tenant if parent is not None else None
    full_clean(node, exclude=["path", "subdistrict"])
    node.save()
    node.path = f"{parent.path if parent else '/'}{node.pk}/"
    if level == Level.SUBDISTRICT:
        node.subdistrict = node
    node.save(update_fields=["path", "subdistrict"])
    if geometry is not None:
        boundaries_changed()
    return node


@transaction.atomic
def grid_update(*, actor=None, grid: GridNode, name: str | None = None, boundary=...) -> GridNode:
    require(actor_scope(actor), EDIT_REGISTRY, grid)
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput.field("name", "名称不能为空")
        grid.name = name
    if boundary is not ...:
        geometry = validate_boundary(boundary, level=grid.level)
        grid.boundary = geo.to_geojson(geometry) if geometry is not None else None
        grid.boundary_changed_at = timezone.now()
    grid.save()
    if boundary is not ...:
        boundaries_changed()
    return grid


@transaction.atomic
def building_create(
    *, actor=None, estate_grid: GridNode, name: str, floors: int = 6, lon: float | None = None, lat: float | None = None
) -> Building:
    require(actor_scope(actor), EDIT_REGISTRY, estate_grid)
    if estate_grid.level != Level.ESTATE_GRID:
        raise InvalidInput.field("estate_grid", "楼栋只能建在小区全科网格中")
    if lon is not None or lat is not None:
        geo.check_point(lon, lat)
    if Building.objects.filter(estate_grid=estate_grid, name=name).exists():
        raise InvalidInput.field("name", f"{estate_grid.name}已有楼栋 {name}")
    building = Building(
        estate_grid=estate_grid, name=(name or "").strip(), floors=floors, lon=lon, lat=lat,
        subdistrict=estate_grid.tenant,
    )
    full_clean(building)
    building.save()
    return building


def _check_micro_grid(building: Building, micro_grid: GridNode | None) -> None:
    if micro_grid is None:
        return
    if micro_grid.level != Level.MICRO_GRID:
        raise InvalidInput.field("micro_grid", "单元只能划入楼栋单元微网格")
    if not micro_grid.path.startswith(building.estate_grid.path):
        raise InvalidInput.field("micro_grid", "微网格不在该楼栋所在的小区网格内")


@transaction.atomic
def unit_create(*, actor=None, building: Building, name: str, micro_grid: GridNode | None) -> Unit:
    scope = actor_scope(actor)
    require(scope, EDIT_REGISTRY, building.estate_grid)
    _check_micro_grid(building, micro_grid)
    if Unit.objects.filter(building=building, name=name).exists():
        raise InvalidInput.field("name", f"{building.name}已有 {name}")
    unit = Unit(building=building, name=(name or "").strip(), micro_grid=micro_grid, subdistrict=building.subdistrict)
    full_clean(unit)
    unit.save()
    return unit


@transaction.atomic
def unit_assign_micro_grid(*, actor=None, unit: Unit, micro_grid: GridNode | None) -> Unit:
    require(actor_scope(actor), EDIT_REGISTRY, unit.building.estate_grid)
    _check_micro_grid(unit.building, micro_grid)
    unit.micro_grid = micro_grid
    unit.save(update_fields=["micro_grid"])
    return unit


def _unit_grid(unit: Unit) -> GridNode:
    return unit.micro_grid or unit.building.estate_grid


def _raise_all(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)


def _floor_problem(unit: Unit, floor) -> FieldError | None:
    if isinstance(floor, bool) or not isinstance(floor, int) or not -5 <= floor <= unit.building.floors:
        return FieldError("floor", f"楼层应在 -5 到 {unit.building.floors} 之间（{unit.building.name}共{unit.building.floors}层）")
    return None


def _occupancy_problem(occupancy) -> FieldError | None:
    if occupancy not in Occupancy.values:
        return FieldError("occupancy", f"未知居住状态 {occupancy!r}，应为 {'、'.join(Occupancy.values)} 之一")
    return None


@transaction.atomic
def household_create(
    *, actor=None, unit: Unit, floor: int, room: str, occupancy: str = Occupancy.OWNER
) -> Household:
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(unit))
    room = (room or "").strip()
    errors = []
    if not room:
        errors.append(FieldError("room", "房号不能为空"))
    elif len(room) > Household._meta.get_field("room").max_length:
        errors.append(FieldError("room", f"房号最多{Household._meta.get_field('room').max_length}个字符"))
    elif Household.objects.filter(unit=unit, room=room).exists():
        errors.append(FieldError("room", f"{unit}{room}室已登记"))
    errors += [e for e in (_floor_problem(unit, floor), _occupancy_problem(occupancy)) if e]
    _raise_all(errors)
    household = Household(unit=unit, floor=floor, room=room, occupancy=occupancy, subdistrict=unit.subdistrict)
    full_clean(household)
    household.save()
    return household


@transaction.atomic
def household_update(*, actor=None, household: Household, floor: int | None = None, occupancy: str | None = None
                     ) -> Household:
    """Change a household's floor and/or occupancy (None leaves a field as it is). The room is its
    identity within the unit and is not changed here."""
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(household.unit))
    errors = []
    if floor is not None:
        errors += [e for e in (_floor_problem(household.unit, floor),) if e]
    if occupancy is not None:
        errors += [e for e in (_occupancy_problem(occupancy),) if e]
    _raise_all(errors)
    changed = []
    if floor is not None and floor != household.floor:
        household.floor = floor
        changed.append("floor")
    if occupancy is not None and occupancy != household.occupancy:
        household.occupancy = occupancy
        changed.append("occupancy")
    if changed:
        full_clean(household)
        household.save(update_fields=[*changed, "updated_at"])
    return household


def clean_resident_fields(
    *, name: str, id_number: str, phone: str = "", relation: str = Relation.SELF, care_flags=(), row: int | None = None
) -> dict:
    """Validate the personal fields of a resident; every problem names its field (and row)."""
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(InvalidInput.field("name", "姓名不能为空", row=row).errors[0])
    id_number = pii.normalize_id_number(id_number)
    problem = pii.id_number_problem(id_number)
    if problem:
        errors.append(InvalidInput.field("id_number", problem, row=row).errors[0])
    phone = pii.normalize_phone(phone) if phone else ""
    if phone and pii.phone_problem(phone):
        errors.append(InvalidInput.field("phone", pii.phone_problem(phone), row=row).errors[0])
    if not relation:
        errors.append(InvalidInput.field("relation", "请选择与户主的关系", row=row).errors[0])
    elif relation not in Relation.values:
        errors.append(InvalidInput.field("relation", f"未知关系 {relation!r}", row=row).errors[0])
    flags = list(dict.fromkeys(care_flags or []))
    unknown = [f for f in flags if f not in CareFlag.values]
    if unknown:
        errors.append(InvalidInput.field("care_flags", f"未知关爱标签 {'、'.join(unknown)}", row=row).errors[0])
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    return {
        "name": name,
        "id_number": id_number,
        "phone": phone,
        "relation": relation,
        "care_flags": flags,
        "gender": pii.id_gender(id_number),
        "birth_date": pii.id_birth_date(id_number),
    }


@transaction.atomic
def resident_create(
    *,
    actor=None,
    household: Household,
    name: str,
    id_number: str,
    phone: str = "",
    relation: str = Relation.SELF,
    care_flags=(),
    is_party_member: bool = False,
) -> Resident:
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(household.unit))
    fields = clean_resident_fields(
        name=name, id_number=id_number, phone=phone, relation=relation, care_flags=care_flags
    )
    existing = (
        Resident.objects.filter(id_number=fields["id_number"]).select_related("household__unit__building__estate_grid")
        .first()
    )
    if existing is not None and existing.has_left:
        # The number stays reserved for the person who left: bringing them back is a move (resident_move).
        raise InvalidInput.field(
            "id_number", f"该身份证号属于已离开{existing.household.masked_address}的居民，请将其迁入本户以恢复登记"
        )
    if existing is not None:
        raise InvalidInput.field("id_number", f"该身份证号已登记在 {existing.household.masked_address}")
    if fields["relation"] == Relation.SELF and _head(household) is not None:
        raise InvalidInput.field("relation", "该户已有户主")
    resident = Resident(household=household, subdistrict=household.subdistrict, is_party_member=is_party_member, **fields)
    full_clean(resident)
    resident.save()
    return resident


def _head(household: Household, *, besides: Resident | None = None) -> Resident | None:
    """The household's current head (户主), other than `besides`."""
    qs = household.residents.filter(relation=Relation.SELF, left_at__isnull=True)
    if besides is not None:
        qs = qs.exclude(pk=besides.pk)
    return qs.first()


def _refuse_left(resident: Resident) -> None:
    if resident.has_left:
        raise Conflict(f"{resident.name}已于{resident.left_at:%Y-%m-%d}登记离开（{resident.get_left_reason_display()}），"
                       "不能再修改；如已回来，请先迁入恢复登记")


@transaction.atomic
def resident_update(*, actor=None, resident: Resident, **changes) -> Resident:
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(resident.household.unit))
    _refuse_left(resident)
    current = {
        "name": resident.name,
        "id_number": resident.id_number,
        "phone": resident.phone,
        "relation": resident.relation,
        "care_flags": resident.care_flags,
    }
    unknown = set(changes) - set(current) - {"is_party_member"}
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "不能修改该字段")
    party = changes.pop("is_party_member", resident.is_party_member)
    if not isinstance(party, bool):
        raise InvalidInput.field("is_party_member", "应为是或否")
    fields = clean_resident_fields(**{**current, **changes})
    if Resident.objects.filter(id_number=fields["id_number"]).exclude(pk=resident.pk).exists():
        raise InvalidInput.field("id_number", "该身份证号已登记给他人")
    if fields["relation"] == Relation.SELF and resident.relation != Relation.SELF:
        head = _head(resident.household, besides=resident)
        if head is not None:
            raise InvalidInput.field("relation", f"该户已有户主（{head.name}）")
    for key, value in fields.items():
        setattr(resident, key, value)
    resident.is_party_member = party
    resident.save()
    return resident


def _new_head_problem(resident: Resident, new_head: Resident | None) -> FieldError | None:
    """`resident` is leaving their household: when they are its head, `new_head` (another current
    resident of the same household) may become the head; without one the household has no head until
    someone is made head. Naming a new head when the one leaving is not the head is an error."""
    if new_head is None:
        return None
    if resident.has_left:
        return FieldError("new_head", "已离开的居民不再是原住户的户主")
    if resident.relation != Relation.SELF:
        return FieldError("new_head", "只有户主离开时才需要指定新户主")
    if new_head.household_id != resident.household_id or new_head.pk == resident.pk or new_head.has_left:
        return FieldError("new_head", "新户主应是该户仍在住的其他居民")
    return None


def _hand_over_head(new_head: Resident | None) -> None:
    if new_head is not None:
        new_head.relation = Relation.SELF
        new_head.save(update_fields=["relation", "updated_at"])


@transaction.atomic
def resident_move(
    *, actor=None, resident: Resident, household: Household, relation: str | None = None,
    new_head: Resident | None = None,
) -> Resident:
    """Move a resident to another household (both must be editable by the actor). `relation` is their
    relation to the head there (default: as now); a household never gets a second head. When the head
    moves out, `new_head` may name who heads the household they leave.

    A resident who has left is brought back this way (re-registration): into any household the actor may
    edit, their old one included; the leaving is then cleared."""
    scope = actor_scope(actor)
    require(scope, EDIT_REGISTRY, _unit_grid(resident.household.unit))
    require(scope, EDIT_REGISTRY, _unit_grid(household.unit))
    relation = resident.relation if relation in (None, "") else relation
    errors = []
    if household.pk == resident.household_id and not resident.has_left:
        errors.append(FieldError("household", "该居民已在此住户"))
    if relation not in Relation.values:
        errors.append(FieldError("relation", f"未知关系 {relation!r}"))
    elif relation == Relation.SELF:
        head = _head(household, besides=resident)
        if head is not None:
            errors.append(FieldError("relation", f"目标住户已有户主（{head.name}），请选择与户主的关系"))
    errors += [e for e in (_new_head_problem(resident, new_head),) if e]
    _raise_all(errors)
    _hand_over_head(new_head)
    resident.left_at = None
    resident.left_reason = ""
    resident.left_note = ""
    resident.household = household
    resident.subdistrict = household.subdistrict
    resident.relation = relation
    full_clean(resident, validate_unique=False, validate_constraints=False)
    resident.save()
    return resident


@transaction.atomic
def resident_leave(
    *, actor=None, resident: Resident, reason: str, note: str = "", left_at: dt.date | None = None,
    new_head: Resident | None = None,
) -> Resident:
    """Record that a resident has left the household (moved away, died). The row stays, for history and
    so that the ID number stays reserved; lists and counts no longer show it. `left_at` defaults to
    today; `new_head` as in resident_move."""
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(resident.household.unit))
    _refuse_left(resident)
    note = (note or "").strip()
    errors = []
    if not reason:
        errors.append(FieldError("reason", "请选择离开原因"))
    elif reason not in LeftReason.values:
        errors.append(FieldError("reason", f"未知离开原因 {reason!r}，应为 {'、'.join(LeftReason.values)} 之一"))
    elif reason == LeftReason.OTHER and not note:
        errors.append(FieldError("note", "离开原因为“其他”时请写明说明"))
    if len(note) > 200:
        errors.append(FieldError("note", "说明最多200个字"))
    today = timezone.localdate()
    left_at = today if left_at is None else left_at
    if not isinstance(left_at, dt.date) or isinstance(left_at, dt.datetime):
        errors.append(FieldError("left_at", "应为日期"))
    elif left_at > today:
        errors.append(FieldError("left_at", "离开日期不能晚于今天"))
    elif left_at.year < 1900:
        errors.append(FieldError("left_at", "离开日期无效"))
    errors += [e for e in (_new_head_problem(resident, new_head),) if e]
    _raise_all(errors)
    _hand_over_head(new_head)
    resident.left_at = left_at
    resident.left_reason = reason
    resident.left_note = note
    resident.save(update_fields=["left_at", "left_reason", "left_note", "updated_at"])
    return resident


# -- bulk loading: many households of one unit with their residents (demo data) --------------------------
# Added for `wangge demo-data`. The same checks as household_create and resident_create, row by row,
# but a handful of queries per unit instead of several per row.


@transaction.atomic
def household_bulk_create(*, actor=None, unit: Unit, households: list[dict]) -> list[Household]:
    """Create the households of one unit, each with its residents, in one transaction.

    `households` is a list of dicts with `floor`, `room`, `occupancy` (default owner) and `residents`, a
    list of dicts with the keyword arguments of `resident_create` (name, id_number, phone, relation,
    care_flags, is_party_member). Every field is validated as `household_create` and `resident_create`
    do, including unique rooms and ID numbers and one head per household; the first bad row raises
    InvalidInput naming its field and row (households counted from 1) and nothing is written.
    """
    require(actor_scope(actor), EDIT_REGISTRY, _unit_grid(unit))
    taken_rooms = set(Household.objects.filter(unit=unit).values_list("room", flat=True))
    rows: list[tuple[Household, list[Resident]]] = []
    seen_ids: dict[str, int] = {}
    for row, data in enumerate(households, start=1):
        room = str(data.get("room") or "").strip()
        floor = data.get("floor")
        occupancy = data.get("occupancy", Occupancy.OWNER)
        if not room:
            raise InvalidInput.field("room", "房号不能为空", row=row)
        if not isinstance(floor, int) or not -5 <= floor <= unit.building.floors:
            raise InvalidInput.field("floor", f"楼层应在 -5 到 {unit.building.floors} 之间", row=row)
        if occupancy not in Occupancy.values:
            raise InvalidInput.field("occupancy", f"未知居住状态 {occupancy!r}", row=row)
        if room in taken_rooms:
            raise InvalidInput.field("room", f"{unit}{room}室已登记", row=row)
        taken_rooms.add(room)
        household = Household(unit=unit, floor=floor, room=room, occupancy=occupancy, subdistrict=unit.subdistrict)
        _row_clean(household, row, exclude=["unit", "subdistrict"])
        members = []
        heads = 0
        for person in data.get("residents", []):
            unknown = set(person) - {"name", "id_number", "phone", "relation", "care_flags", "is_party_member"}
            if unknown:
                raise InvalidInput.field(sorted(unknown)[0], "未知字段", row=row)
            fields = clean_resident_fields(
                name=person.get("name", ""), id_number=person.get("id_number", ""), phone=person.get("phone", ""),
                relation=person.get("relation", Relation.SELF), care_flags=person.get("care_flags", ()), row=row,
            )
            if fields["id_number"] in seen_ids:
                raise InvalidInput.field("id_number", f"与第{seen_ids[fields['id_number']]}户的居民身份证号重复", row=row)
            seen_ids[fields["id_number"]] = row
            if fields["relation"] == Relation.SELF:
                heads += 1
                if heads > 1:
                    raise InvalidInput.field("relation", "该户已有户主", row=row)
            resident = Resident(
                subdistrict=unit.subdistrict, is_party_member=bool(person.get("is_party_member", False)), **fields
            )
            resident.refresh_search_text()
            _row_clean(resident, row, exclude=["household", "subdistrict"])
            members.append(resident)
        rows.append((household, members))
    existing = (
        Resident.objects.filter(id_number__in=list(seen_ids)).select_related("household__unit__building").first()
    )
    if existing is not None:
        raise InvalidInput.field(
            "id_number", f"该身份证号已登记在 {existing.household.masked_address}", row=seen_ids[existing.id_number]
        )
    created = Household.objects.bulk_create([h for h, _ in rows])
    residents = []
    for household, members in zip(created, (m for _, m in rows), strict=True):
        for resident in members:
            resident.household = household
            residents.append(resident)
    Resident.objects.bulk_create(residents)
    return created


def _row_clean(obj, row: int, exclude: list[str]) -> None:
    """Field validation without queries (foreign keys are set by the caller, uniqueness checked above)."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        error = InvalidInput.from_django(exc).errors[0]
        raise InvalidInput.field(error.field, error.message, row=row) from exc


# -- end of bulk loading ------------------------------------------------------------------------------------
