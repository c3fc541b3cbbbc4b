"""Every write about people: persons, logins, organisations, memberships, duties, tokens, unmasking."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied, full_clean
from wangge.registry.models import GridNode, Resident

from .access import MANAGE_PEOPLE, UNMASK, actor_scope, require
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


@transaction.atomic
def person_create(
    *, actor=None, name: str, phone: str = "", resident: Resident | None = None, grid: GridNode | None = None
) -> Person:
    """A person. `grid` is where they serve or live, for the tenant key; a resident gives it too."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "姓名不能为空")
    phone = pii.normalize_phone(phone) if phone else ""
    if phone and pii.phone_problem(phone):
        raise InvalidInput.field("phone", pii.phone_problem(phone))
    if resident is not None and Person.objects.filter(resident=resident).exists():
        raise InvalidInput.field("resident", "该居民已有人员记录")
    if grid is not None:
        require(actor_scope(actor), MANAGE_PEOPLE, grid)
    subdistrict = resident.subdistrict if resident is not None else (grid.tenant if grid is not None else None)
    person = Person(name=name, phone=phone or (resident.phone if resident else ""), resident=resident, subdistrict=subdistrict)
    full_clean(person)
    person.save()
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
    from wangge.registry.selectors import resident_grid

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
