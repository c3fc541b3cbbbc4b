"""Every write about people: persons, logins, organisations, memberships, duties, tokens, unmasking."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    full_clean,
)
from wangge.registry.models import GridNode, Resident
from wangge.registry.selectors import resident_grid

from . import selectors
from .access import MANAGE_PEOPLE, UNMASK, Scope, actor_scope, require
from .models import (
    ApiToken,
    Duty,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    PiiAccessLog,
    Role,
)


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "姓名不能为空")
    return name


def _clean_phone(phone: str | None) -> str:
    phone = pii.normalize_phone(phone) if phone else ""
    if phone and pii.phone_problem(phone):
        raise InvalidInput.field("phone", pii.phone_problem(phone))
    return phone


def _require_at_resident(scope: Scope, capability: str, resident: Resident) -> None:
    if scope.is_admin:  # the system and admins: no need to walk up to the resident's grid
        return
    require(scope, capability, resident_grid(resident))


@transaction.atomic
def person_create(
    *, actor=None, name: str, phone: str = "", resident: Resident | None = None, grid: GridNode | None = None
) -> Person:
    """A person. `grid` is where a person who is not a resident is registered (it puts them in the scope
    of whoever manages people there, and gives the tenant key); a resident gives both through their
    household. Needs the people-management permission at the grid (or at the resident's grid)."""
    scope = actor_scope(actor)
    if grid is not None:
        require(scope, MANAGE_PEOPLE, grid)
    if resident is not None:
        _require_at_resident(scope, MANAGE_PEOPLE, resident)
    name = _clean_name(name)
    phone = _clean_phone(phone)
    if resident is not None and Person.objects.filter(resident=resident).exists():
        raise InvalidInput.field("resident", "该居民已有人员记录")
    subdistrict = resident.subdistrict if resident is not None else (grid.tenant if grid is not None else None)
    person = Person(
        name=name, phone=phone or (resident.phone if resident else ""), resident=resident, grid=grid,
        subdistrict=subdistrict,
    )
    full_clean(person)
    person.save()
    return person


@transaction.atomic
def person_from_resident(*, actor=None, resident: Resident) -> tuple[Person, bool]:
    """The resident's person — created from the resident (name, phone, tenant key; linked) when they
    have none yet — and whether it was created. Asking again answers the same person. Needs the
    people-management permission at the resident's grid, even when the person exists."""
    _require_at_resident(actor_scope(actor), MANAGE_PEOPLE, resident)
    existing = Person.objects.filter(resident=resident).first()
    if existing is not None:
        return existing, False
    if resident.left_at is not None:
        raise Conflict(f"{resident.name}已于{resident.left_at:%Y-%m-%d}登记离开住户，不能再登记为人员")
    person = Person(name=resident.name, phone=resident.phone, resident=resident, subdistrict=resident.subdistrict)
    full_clean(person, validate_unique=False)
    try:
        with transaction.atomic():  # a savepoint: another request may have linked the resident meanwhile
            person.save()
    except IntegrityError:
        return Person.objects.get(resident=resident), False
    return person, True


def _person_grids(person: Person) -> list[GridNode]:
    """Where a person belongs: the grid they were registered at and, for a resident, their home's grid;
    for those registered with neither, where they hold duties or posts."""
    grids = [person.grid] if person.grid_id is not None else []
    if person.resident_id is not None:
        grids.append(resident_grid(person.resident))
    if not grids:
        grids = [d.grid for d in person.duties.select_related("grid")]
        grids += [m.organisation.grid for m in person.memberships.select_related("organisation__grid")]
    return grids


@transaction.atomic
def person_update(*, actor=None, person: Person, name: str | None = None, phone: str | None = None) -> Person:
    """Correct the name or phone of a person who is not a resident (a resident's come from the household
    register and are corrected there). `None` leaves a field as it is; an empty phone clears it. Needs
    the people-management permission where the person belongs (`_person_grids`)."""
    scope = actor_scope(actor)
    if not scope.is_admin and not any(scope.can(MANAGE_PEOPLE, g) for g in _person_grids(person)):
        # Like access.require: 403 for a person the actor may see, 404 for one they may not.
        if selectors.person_list(actor=scope).filter(pk=person.pk).exists():
            raise PermissionDenied("您没有修改该人员信息的权限")
        raise NotFound("未找到")
    if person.resident_id is not None and (name is not None or phone is not None):
        field = "name" if name is not None else "phone"
        raise InvalidInput.field(field, "该人员是居民，姓名和联系电话随住户登记，请在住户名册中修改")
    changed = []
    if name is not None:
        person.name = _clean_name(name)
        changed.append("name")
    if phone is not None:
        person.phone = _clean_phone(phone)
        changed.append("phone")
    if changed:
        full_clean(person)
        person.save(update_fields=[*changed, "search_text"])
    return person


@transaction.atomic
def person_grant_login(*, actor=None, person: Person, username: str, password: str, is_superuser: bool = False):
    """Give a person a login. Only the system or an admin may create superusers."""
    if is_superuser and not actor_scope(actor).is_admin:
        raise PermissionDenied("只有管理员可以创建管理员账号")
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise InvalidInput.field("username", "用户名不能为空")
    if User.objects.filter(username=username).exists():
        raise InvalidInput.field("username", f"用户名 {username} 已被使用")
    if person.user_id:
        raise InvalidInput.field("person", "该人员已有登录账号")
    user = User(username=username, is_superuser=is_superuser, is_staff=is_superuser, first_name=person.name[:150])
    user.set_password(password)
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    return user


@transaction.atomic
def organisation_create(
    *, actor=None, name: str, kind: str, grid: GridNode, parent: Organisation | None = None
) -> Organisation:
    require(actor_scope(actor), MANAGE_PEOPLE, grid)
    if kind not in OrganisationKind.values:
        raise InvalidInput.field("kind", f"未知组织类别 {kind!r}")
    if not (name or "").strip():
        raise InvalidInput.field("name", "名称不能为空")
    organisation = Organisation(name=name.strip(), kind=kind, grid=grid, parent=parent, subdistrict=grid.tenant)
    full_clean(organisation)
    organisation.save()
    return organisation


@transaction.atomic
def membership_add(
    *, actor=None, person: Person, organisation: Organisation, post: str = "", is_party_member: bool = False,
    start: dt.date | None = None,
) -> Membership:
    require(actor_scope(actor), MANAGE_PEOPLE, organisation.grid)
    if Membership.objects.filter(person=person, organisation=organisation, end__isnull=True).exists():
        raise InvalidInput.field("person", f"{person.name}已是{organisation.name}的成员")
    membership = Membership(
        person=person, organisation=organisation, post=post, is_party_member=is_party_member,
        start=start or timezone.localdate(), subdistrict=organisation.subdistrict,
    )
    full_clean(membership)
    membership.save()
    return membership


def _parse_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput.field("role", f"未知职责 {role!r}，应为 {'、'.join(Role.values)} 之一")
    return role


@transaction.atomic
def duty_assign(
    *,
    actor=None,
    person: Person,
    role: str,
    grid: GridNode,
    organisation: Organisation | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    note: str = "",
) -> Duty:
    """Give a person a duty at a grid node. A grid leader who is a two-committee member also becomes the
    property-service supervisor of that grid (网格长兼任物业服务监督员), as one act."""
    require(actor_scope(actor), MANAGE_PEOPLE, grid)
    role = _parse_role(role)
    start = start or timezone.now()
    if end is not None and end <= start:
        raise InvalidInput.field("end", "结束时间应晚于开始时间")
    overlapping = Duty.objects.filter(person=person, role=role, grid=grid).filter(
        **({"start__lt": end} if end else {})
    ).exclude(end__lte=start)
    if overlapping.exists():
        raise InvalidInput.field("role", f"{person.name}在{grid.name}已担任{Role(role).label}")
    duty = Duty(
        person=person, role=role, grid=grid, organisation=organisation, start=start, end=end, note=note,
        subdistrict=grid.tenant,
    )
    full_clean(duty)
    duty.save()
    if role == Role.GRID_LEADER and _is_two_committee_member(person, at=start):
        has_supervisor = (
            Duty.objects.filter(person=person, role=Role.PROPERTY_SUPERVISOR, grid=grid).exclude(end__lte=start).exists()
        )
        if not has_supervisor:
            Duty.objects.create(
                person=person, role=Role.PROPERTY_SUPERVISOR, grid=grid, organisation=organisation, start=start,
                end=end, note="网格长兼任", subdistrict=duty.subdistrict,
            )
    return duty


@transaction.atomic
def duty_assign_to_resident(
    *,
    actor=None,
    resident: Resident,
    role: str,
    grid: GridNode,
    organisation: Organisation | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    note: str = "",
) -> Duty:
    """`duty_assign` for a resident, who becomes a person first when they are not one yet
    (`person_from_resident`) — in one transaction, so a refused duty leaves no person behind."""
    require(actor_scope(actor), MANAGE_PEOPLE, grid)
    person, _created = person_from_resident(actor=actor, resident=resident)
    return duty_assign(
        actor=actor, person=person, role=role, grid=grid, organisation=organisation, start=start, end=end, note=note
    )


def _is_two_committee_member(person: Person, *, at) -> bool:
    return (
        Duty.objects.filter(person=person, role=Role.TWO_COMMITTEE_MEMBER, start__lte=at).exclude(end__lte=at).exists()
    )


@transaction.atomic
def duty_end(*, actor=None, duty: Duty, at: dt.datetime | None = None, note: str = "") -> Duty:
    """End a duty. Access that came from it ends at that instant. Ending a grid leader's duty also ends
    the property-supervisor duty it carried."""
    require(actor_scope(actor), MANAGE_PEOPLE, duty.grid)
    at = at or timezone.now()
    if duty.end is not None and duty.end <= at:
        raise InvalidInput.field("end", "该职责已结束")
    if at <= duty.start:
        raise InvalidInput.field("end", "结束时间应晚于开始时间")
    duty.end = at
    note = (note or "").strip()
    if note:
        duty.note = f"{duty.note}；{note}" if duty.note else note
    full_clean(duty)
    duty.save(update_fields=["end", "note"])
    if duty.role == Role.GRID_LEADER:
        Duty.objects.filter(
            person=duty.person, role=Role.PROPERTY_SUPERVISOR, grid=duty.grid, note="网格长兼任", end__isnull=True
        ).update(end=at)
    return duty


# -- API tokens ---------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_issue(*, username: str, password: str) -> tuple[str, ApiToken]:
    if not username:
        raise InvalidInput.field("username", "用户名不能为空")
    if not password:
        raise InvalidInput.field("password", "密码不能为空")
    user = authenticate(username=username, password=password)
    if user is None:
        raise NotAuthenticated("用户名或密码错误", errors=[])
    token = "wg_" + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        prefix=token[:8],
        expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token, record


def token_authenticate(token: str):
    """The user behind a bearer token, or a NotAuthenticated error saying what is wrong with it."""
    record = ApiToken.objects.select_related("user").filter(digest=_digest(token or "")).first()
    if record is None or record.revoked:
        raise NotAuthenticated("令牌无效")
    now = timezone.now()
    if record.expires_at <= now:
        raise NotAuthenticated("令牌已过期，请重新获取")
    if not record.user.is_active:
        raise NotAuthenticated("账号已停用")
    if record.last_used_at is None or now - record.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


# -- personal information -------------------------------------------------------------------------------


@transaction.atomic
def resident_unmask(*, actor, resident: Resident, reason: str, purpose: str = "view") -> dict:
    """Show one resident's ID number and phone in full, and log who saw them, when and why."""
    if actor is None:
        raise NotAuthenticated("需要登录")
    require(actor_scope(actor), UNMASK, resident_grid(resident))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput.field("reason", "请说明查看事由")
    PiiAccessLog.objects.create(
        actor=actor, resident=resident, subject_name=resident.name, fields="id_number,phone,address",
        purpose=purpose, reason=reason[:200],
    )
    return {
        "id": resident.pk,
        "name": resident.name,
        "id_number": resident.id_number,
        "phone": resident.phone,
        "address": resident.household.address,
    }


def pii_log_bulk(*, actor, residents, reason: str, purpose: str) -> int:
    """One log row per resident shown in full by an export."""
    rows = [
        PiiAccessLog(actor=actor, resident=r, subject_name=r.name, fields="id_number,phone,address", purpose=purpose,
                     reason=reason[:200])
        for r in residents
    ]
    PiiAccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def ensure_found(obj):
    if obj is None:
        raise NotFound("未找到")
    return obj
