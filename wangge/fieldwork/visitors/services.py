"""Every write of 访客登记: the check rules, a visitor's registration at a gate, the guard's measurement and
checks with the admit/refuse decision, the host's answer, unmasking a visitor's phone, and the purge.
Keyword-only, one transaction each, domain errors naming the field on bad input."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wangge.core import pii
from wangge.core.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from wangge.core.text import clean_text
from wangge.fieldwork.gates.models import Post
from wangge.notify.services import notify
from wangge.people.access import GATE, ROSTER, UNMASK, Actor, Scope, actor_scope, require
from wangge.people.models import Person, PiiAccessLog
from wangge.registry.models import GridNode, Household, Level, Unit, path_ids

from .defaults import default_items
from .models import CheckItem, Kind, Status, Visitor

NAME_MAX = 30
PURPOSE_MAX = 100
HOST_MAX = 60
ROOM_MAX = 20
NOTE_MAX = 200
ITEMS_MAX = 20
# Grid levels that may carry their own rules: the subdistrict's default and the overrides below it.
RULE_LEVELS = (Level.SUBDISTRICT, Level.COMMUNITY, Level.AREA_GRID, Level.ESTATE_GRID)
_TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def retention_days() -> int:
    return settings.VISITOR_RETENTION_DAYS


# -- rules -----------------------------------------------------------------------------------------


def rules_source(grid: GridNode | None) -> GridNode | None:
    """The node whose items are the rules of `grid`: the nearest one, `grid` itself first, that has any
    items; None when only the built-in default applies."""
    if grid is None:
        return None
    chain = path_ids(grid.path)
    holders = set(CheckItem.objects.filter(grid_id__in=chain).values_list("grid_id", flat=True).distinct())
    for node_id in reversed(chain):
        if node_id in holders:
            return GridNode.objects.get(pk=node_id)
    return None


def rules_for(grid: GridNode | None) -> tuple[GridNode | None, list[CheckItem]]:
    """(where the rules come from, the active items in order) for an estate or any node."""
    source = rules_source(grid)
    if source is None:
        return None, default_items()
    return source, list(CheckItem.objects.filter(grid=source, active=True).order_by("order", "code"))


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput.field(field, "应为数字") from exc
    if not number.is_finite() or abs(number) >= Decimal("1000000"):
        raise InvalidInput.field(field, "应为数字")
    return number.quantize(Decimal("0.01"))


def _clean_items(items: list[dict]) -> list[dict]:
    if not isinstance(items, list):
        raise InvalidInput.field("items", "应为查验项列表")
    if len(items) > ITEMS_MAX:
        raise InvalidInput.field("items", f"查验项最多{ITEMS_MAX}项")
    cleaned, seen = [], set()
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise InvalidInput.field(f"items.{i}", "应为对象")
        code = str(raw.get("code") or "").strip()
        if not _CODE_RE.match(code):
            raise InvalidInput.field(f"items.{i}.code", "代码应为小写字母开头的字母、数字或下划线，最多30个字符")
        if code in seen:
            raise InvalidInput.field(f"items.{i}.code", f"代码 {code} 重复")
        seen.add(code)
        label = clean_text(raw.get("label"), f"items.{i}.label", label="名称", limit=30, required=True, collapse=True)
        kind = raw.get("kind")
        if kind not in Kind.values:
            raise InvalidInput.field(f"items.{i}.kind", "类型应为 measure（测量）或 check（查验）")
        item = {"code": code, "label": label, "kind": kind, "required": bool(raw.get("required", True)),
                "active": bool(raw.get("active", True)), "order": i, "unit": "", "min_value": None,
                "max_value": None, "pass_label": ""}
        if kind == Kind.MEASURE:
            item["unit"] = clean_text(raw.get("unit"), f"items.{i}.unit", label="单位", limit=10, required=False, collapse=True)
            item["min_value"] = _decimal(raw.get("min"), f"items.{i}.min")
            item["max_value"] = _decimal(raw.get("max"), f"items.{i}.max")
            if item["min_value"] is None and item["max_value"] is None:
                raise InvalidInput.field(f"items.{i}.min", "测量项需要允许范围（下限或上限）")
            if None not in (item["min_value"], item["max_value"]) and item["min_value"] > item["max_value"]:
                raise InvalidInput.field(f"items.{i}.max", "上限不能小于下限")
        else:
            item["pass_label"] = clean_text(raw.get("pass_label"), f"items.{i}.pass_label", label="通过标准", limit=30,
                                       required=False, collapse=True)
        cleaned.append(item)
    return cleaned


@transaction.atomic
def visitor_rules_set(*, actor, grid_id: int, items: list[dict] | None = None, inherit: bool = False) -> list[CheckItem]:
    """Set the check rules of a subdistrict (its default) or of a community, area grid or estate (an
    override). Items are matched by code: a code no longer listed is kept but made inactive, so the rules
    in force on any day can still be told. `inherit=True` removes the node's own rules: it then follows
    the nearest node above. For ROSTER holders of the node."""
    scope = actor_scope(actor)
    grid = GridNode.objects.filter(pk=grid_id).first()
    if grid is None:
        raise NotFound("未找到该网格")
    require(scope, ROSTER, grid)
    if grid.level not in RULE_LEVELS:
        raise InvalidInput.field("grid", "只能为街道、社区、区域网格或小区设置查验规则")
    if inherit:
        if items:
            raise InvalidInput.field("inherit", "沿用上级规则时不能同时提交查验项")
        CheckItem.objects.filter(grid=grid).delete()
        return []
    cleaned = _clean_items(items or [])
    if not any(i["active"] for i in cleaned):
        raise InvalidInput.field("items", "至少需要一个启用的查验项；要沿用上级规则请选择“沿用上级”")
    existing = {c.code: c for c in CheckItem.objects.select_for_update().filter(grid=grid)}
    tenant = grid.tenant
    for item in cleaned:
        row = existing.pop(item["code"], None) or CheckItem(grid=grid, code=item["code"], subdistrict=tenant)
        for key, value in item.items():
            setattr(row, key, value)
        row.save()
    for row in existing.values():
        if row.active:
            row.active = False
            row.save(update_fields=["active", "updated_at"])
    return list(CheckItem.objects.filter(grid=grid).order_by("order", "code"))


# -- registration ----------------------------------------------------------------------------------


def post_for_token(token: str) -> Post:
    """The active post a QR code points at; 404 for an unknown or retired code."""
    token = str(token or "").strip()
    post = None
    if 0 < len(token) <= 32:
        post = Post.objects.select_related("estate").filter(qr_token=token, active=True).first()
    if post is None:
        raise NotFound("二维码无效或门岗已停用")
    return post


def estate_units(estate: GridNode) -> list[Unit]:
    """The units of an estate, for the host picker. Rooms are never listed: which ones exist stays private."""
    return list(Unit.objects.filter(building__estate_grid=estate).select_related("building")
                .order_by("building__name", "name"))


def _ticket() -> str:
    return "".join(secrets.choice(_TICKET_ALPHABET) for _ in range(6))


def _host_persons(household: Household) -> list[Person]:
    return list(Person.objects.filter(resident__household=household, resident__left_at__isnull=True,
                                      user__isnull=False, user__is_active=True))


@transaction.atomic
def visitor_register(*, token: str, name: str, phone: str, purpose: str, unit: int | None = None, room: str = "",
                     host: str = "", now: dt.datetime | None = None) -> Visitor:
    """A visitor registers on their phone at the gate whose QR code they scanned. The household visited
    is a unit of THAT estate and a room; a room that matches no household is kept as typed (the answer
    never says whether a room exists). Without units to pick, `host` is the address as free text."""
    post = post_for_token(token)
    estate = post.estate
    errors: list[FieldError] = []

    def check(fn):
        try:
            return fn()
        except InvalidInput as exc:
            errors.extend(exc.errors)
            return ""

    name = check(lambda: clean_text(name, "name", label="姓名", limit=NAME_MAX, required=True, collapse=True))
    purpose = check(lambda: clean_text(purpose, "purpose", label="来访事由", limit=PURPOSE_MAX, required=True, collapse=True))
    problem = pii.phone_problem(phone)
    if problem:
        errors.append(FieldError("phone", f"手机号{problem}，请填写11位手机号，如 13812345678"))
    phone = pii.normalize_phone(phone)
    room = check(lambda: clean_text(room, "room", label="房号", limit=ROOM_MAX, required=False, collapse=True))
    host = check(lambda: clean_text(host, "host", label="被访地址", limit=HOST_MAX, required=False, collapse=True))
    household = None
    host_text = ""
    if unit not in (None, ""):
        unit_obj = None
        if str(unit).isdigit():
            unit_obj = Unit.objects.select_related("building").filter(pk=int(unit)).first()
        if unit_obj is None or unit_obj.building.estate_grid_id != estate.pk:
            errors.append(FieldError("unit", f"所选楼栋单元不属于“{estate.name}”，请扫描本小区门岗的二维码"))
        elif not room:
            errors.append(FieldError("room", "请填写被访房号，如 301"))
        else:
            household = Household.objects.filter(unit=unit_obj, room=room).first()
            host_text = f"{unit_obj.building.name}{unit_obj.name}{room}"[:HOST_MAX]
    elif host:
        host_text = host
    else:
        errors.append(FieldError("unit", "请选择被访住户所在的楼栋单元并填写房号"))
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    _, items = rules_for(estate)
    visitor = Visitor(
        subdistrict=estate.tenant, post=post, estate=estate, ticket=_ticket(), name=name, phone=phone,
        purpose=purpose, host_household=household, host_text=host_text, rules=[i.snapshot() for i in items],
        registered_at=now or timezone.now(),
    )
    visitor.save()
    if household is not None:
        notify(
            recipients=_host_persons(household), event="visitor.registered",
            title=f"访客登记：{name}来访", body=f"{name}在{post.name}登记来访（{purpose}），请确认是否是您的访客。",
            link="/visitors/mine/", payload={"visitor": visitor.pk}, subdistrict_id=visitor.subdistrict_id,
        )
    return visitor


# -- the guard -------------------------------------------------------------------------------------


def _visible_locked(visitor_id: int, scope: Scope) -> Visitor:
    visitor = (Visitor.objects.select_for_update(of=("self",)).select_related("estate", "post")
               .filter(pk=visitor_id).first())
    if visitor is None or not scope.can(GATE, visitor.estate):
        raise NotFound("未找到该访客")
    return visitor


def _value(item: dict, raw, field: str):
    """A guard's value for one rule item: a number for a measurement, True/False for a check."""
    if item["kind"] == Kind.MEASURE:
        if isinstance(raw, bool):
            raise InvalidInput.field(field, f"{item['label']}应为数字")
        try:
            number = float(str(raw).strip())
        except ValueError as exc:
            raise InvalidInput.field(field, f"{item['label']}应为数字") from exc
        if not math.isfinite(number) or abs(number) >= 1_000_000:
            raise InvalidInput.field(field, f"{item['label']}应为数字")
        return round(number, 2)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("pass", "true", "1", "yes", "通过"):
        return True
    if text in ("fail", "false", "0", "no", "未通过", "不通过"):
        return False
    raise InvalidInput.field(field, f"{item['label']}应为“通过”或“未通过”")


def item_ok(item: dict, value) -> bool:
    if item["kind"] == Kind.MEASURE:
        low, high = item.get("min"), item.get("max")
        return (low is None or value >= low) and (high is None or value <= high)
    return bool(value)


def range_text(item: dict) -> str:
    low, high, unit = item.get("min"), item.get("max"), item.get("unit") or ""
    if low is not None and high is not None:
        return f"{low:g}–{high:g}{unit}"
    if low is not None:
        return f"≥{low:g}{unit}"
    if high is not None:
        return f"≤{high:g}{unit}"
    return ""


@transaction.atomic
def visitor_check(*, actor, visitor_id: int, post_id: int, decision: str, values: dict | None = None,
                  note: str = "", now: dt.datetime | None = None) -> Visitor:
    """The guard at `post_id` records the measurement and the checks of the rules the visitor registered
    under, and admits or refuses them. A value out of range (or a failed check) flags the visit; admitting
    a flagged visitor needs a note saying why. A visitor registered at another estate's gate cannot be
    checked here."""
    actor = Actor.of(actor)
    scope, user, label = actor.scope, actor.user, actor.label
    visitor = _visible_locked(visitor_id, scope)
    post = Post.objects.select_related("estate").filter(pk=post_id).first()
    if post is None or not scope.can(GATE, post.estate):
        if post is not None and scope.sees_grid(post.estate):
            raise PermissionDenied("您不在该门岗值守")
        raise NotFound("未找到该门岗")
    if post.estate_id != visitor.estate_id:
        raise InvalidInput.field(
            "post", f"二维码属于其他小区：该访客登记的是“{visitor.estate.name}”的门岗，不能在“{post.estate.name}{post.name}”放行"
        )
    if visitor.status != Status.REGISTERED:
        raise Conflict(f"该访客已{visitor.get_status_display()}，不能再次查验")
    if decision not in (Status.ADMITTED, Status.REFUSED):
        raise InvalidInput.field("decision", "请选择放行（admitted）或劝返（refused）")
    values = dict(values or {})
    rules = {item["code"]: item for item in visitor.rules}
    errors: list[FieldError] = []
    for code in values:
        if code not in rules:
            errors.append(FieldError(f"values.{code}", f"该访客登记时的规则里没有查验项 {code!r}"))
    results, problems = [], []
    for code, item in rules.items():
        raw = values.get(code)
        if raw in (None, ""):
            if item.get("required") and decision == Status.ADMITTED:
                errors.append(FieldError(f"values.{code}", f"放行前请填写：{item['label']}"))
            results.append({**item, "value": None, "ok": None})
            continue
        try:
            value = _value(item, raw, f"values.{code}")
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        ok = item_ok(item, value)
        results.append({**item, "value": value, "ok": ok})
        if not ok:
            if item["kind"] == Kind.MEASURE:
                problems.append(f"{item['label']} {value:g}{item.get('unit') or ''} 超出 {range_text(item)}")
            else:
                problems.append(f"{item['label']}未通过")
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_MAX:
        errors.append(FieldError("note", f"备注不能超过{NOTE_MAX}个字"))
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    if decision == Status.ADMITTED and problems and not note:
        raise InvalidInput.field("note", f"有异常（{'；'.join(problems)}），仍要放行请填写说明")
    if decision == Status.REFUSED and not problems and not note:
        raise InvalidInput.field("note", "请填写劝返原因")
    visitor.checks = results
    visitor.flagged = bool(problems)
    visitor.status = decision
    visitor.note = note
    visitor.checked_at = now or timezone.now()
    visitor.checked_by = user
    visitor.checked_by_label = label[:60]
    visitor.checked_post = post
    visitor.save(update_fields=["checks", "flagged", "status", "note", "checked_at", "checked_by",
                                "checked_by_label", "checked_post"])
    return visitor


# -- the host --------------------------------------------------------------------------------------


@transaction.atomic
def visitor_confirm(*, actor, visitor_id: int, confirmed: bool = True, now: dt.datetime | None = None) -> Visitor:
    """The host household answers: yes, my visitor (or no, I don't know them). For a resident of the
    household visited; anyone else gets 404."""
    scope = actor_scope(actor)
    visitor = Visitor.objects.select_for_update().filter(pk=visitor_id).first()
    if (visitor is None or scope.household_id is None or visitor.host_household_id is None
            or visitor.host_household_id != scope.household_id):
        raise NotFound("未找到该访客")
    visitor.host_confirmed = bool(confirmed)
    visitor.host_answered_at = now or timezone.now()
    visitor.save(update_fields=["host_confirmed", "host_answered_at"])
    return visitor


# -- personal data ---------------------------------------------------------------------------------


@transaction.atomic
def visitor_unmask(*, actor, visitor_id: int, reason: str) -> str:
    """The visitor's phone in full, e.g. to trace contacts; for those who may unmask personal information
    over the estate. Who saw it, when and why is logged."""
    actor = Actor.of(actor)
    scope, user = actor.scope, actor.user
    if user is None:
        raise PermissionDenied("需要登录")
    visitor = _visible_locked(visitor_id, scope)
    if not scope.can(UNMASK, visitor.estate):
        raise PermissionDenied("您不能查看访客的完整电话")
    reason = clean_text(reason, "reason", label="查看事由", limit=200, required=True, collapse=True)
    if len(reason) < 2:
        raise InvalidInput.field("reason", "请说明查看事由")
    PiiAccessLog.objects.create(actor=user, subject_name=visitor.name[:50], fields="phone", purpose="visitor",
                                reason=f"访客#{visitor.pk} {reason}"[:200])
    return visitor.phone


# -- retention -------------------------------------------------------------------------------------


@transaction.atomic
def visitor_purge(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete the visitor records registered more than `days` (VISITOR_RETENTION_DAYS, default 30) ago."""
    days = retention_days() if days is None else days
    if days < 1:
        raise InvalidInput.field("days", "保留天数至少为1天")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _ = Visitor.objects.filter(registered_at__lt=cutoff).delete()
    return deleted
