"""Every write of 社区活动: activities, sign-ups with the waiting list, check-in and attendance.

Limits live in the database: a sign-up locks the activity's row and counts the places taken before it
decides between a place and the waiting list, and a unique constraint keeps one sign-up per person, so
parallel sign-ups never exceed the capacity. Cancelling a place hands it to the first on the waiting list."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from wangge.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, full_clean
from wangge.core.text import clean_text
from wangge.notify.services import notify
from wangge.people.access import ACTIVITIES, Actor, require
from wangge.people.models import Organisation, Person
from wangge.registry.models import GridNode, Resident

from . import selectors
from .models import TAKING_PLACE, Activity, Kind, SignUp, SignUpStatus, Status

CHECKIN_MARGIN = dt.timedelta(hours=1)
EDITABLE = ("kind", "title", "description", "venue", "place", "starts_at", "ends_at", "capacity", "signup_opens",
            "signup_closes", "party_only", "status", "organiser")


class SignUpResult:
    """What a sign-up came to, with the message to show: a place, or a place on the waiting list."""

    def __init__(self, signup: SignUp, rank: int | None):
        self.signup = signup
        self.rank = rank

    @property
    def message(self) -> str:
        if self.signup.status == SignUpStatus.WAITING:
            return f"名额已满，您已进入候补名单（第{self.rank}位），有人取消时按顺序递补并通知您"
        return "报名成功"


def _require_manage(actor: Actor, activity: Activity) -> None:
    """The actor already sees the activity: without ACTIVITIES over its grid, that is a 403."""
    if not actor.scope.can(ACTIVITIES, activity.grid):
        raise PermissionDenied("您不能管理该活动")


def _lock(activity_id: int) -> Activity:
    return Activity.objects.select_for_update(of=("self",)).select_related("grid", "venue").get(pk=activity_id)


def _apply(activity: Activity, actor: Actor, data: dict) -> None:
    from wangge.community.venues.models import Venue

    if "kind" in data:
        if data["kind"] not in Kind.values:
            raise InvalidInput.field("kind", f"请选择活动类别（{'、'.join(str(k.label) for k in Kind)}）")
        activity.kind = data["kind"]
    if "title" in data:
        activity.title = clean_text(data["title"], "title", limit=100, required=True)
    if "description" in data:
        activity.description = clean_text(data["description"], "description", limit=5000)
    if "place" in data:
        activity.place = clean_text(data["place"], "place", limit=120)
    if "venue" in data and (data["venue"] is None or data["venue"] != activity.venue_id):
        venue = None
        if data["venue"] is not None:
            venue = Venue.objects.filter(pk=data["venue"], active=True).select_related("community").first()
            if venue is None or not activity.grid.path.startswith(venue.community.path) and \
                    not venue.community.path.startswith(activity.grid.path):
                raise InvalidInput.field("venue", "场地不存在或不在本社区")
        activity.venue = venue
    for field in ("starts_at", "ends_at", "signup_opens", "signup_closes"):
        if field in data:
            setattr(activity, field, data[field])
    if activity.starts_at is None:
        raise InvalidInput.field("starts_at", "请填写开始时间")
    if activity.ends_at is None:
        raise InvalidInput.field("ends_at", "请填写结束时间")
    if "capacity" in data:
        cap = data["capacity"]
        if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1 or cap > 100_000):
            raise InvalidInput.field("capacity", "名额应为1到100000之间的整数，不限名额请留空")
        activity.capacity = cap
    if "party_only" in data:
        activity.party_only = bool(data["party_only"])
    if "status" in data:
        if data["status"] not in Status.values:
            raise InvalidInput.field("status", f"未知状态，可选：{'、'.join(Status.values)}")
        activity.status = data["status"]
    if "organiser" in data:
        org = None
        if data["organiser"] is not None:
            org = Organisation.objects.filter(pk=data["organiser"]).select_related("grid").first()
            if org is None:
                raise InvalidInput.field("organiser", "主办单位不存在")
        activity.organiser = org
    if not activity.venue_id and not activity.place:
        raise InvalidInput.field("place", "请选择场地或填写地点")


def _check_venue(activity: Activity) -> None:
    if activity.venue_id and activity.status != Status.CANCELLED:
        from wangge.community.venues.services import check_slot, lock_venue

        check_slot(venue=lock_venue(activity.venue_id), starts_at=activity.starts_at, ends_at=activity.ends_at,
                   exclude_activity=activity.pk, hours=False)


@transaction.atomic
def activity_create(*, actor, grid: int, kind: str, title: str, starts_at: dt.datetime, ends_at: dt.datetime,
                    description: str = "", venue: int | None = None, place: str = "", capacity: int | None = None,
                    signup_opens: dt.datetime | None = None, signup_closes: dt.datetime | None = None,
                    party_only: bool = False, status: str = Status.PUBLISHED,
                    organiser: int | None = None) -> Activity:
    actor = Actor.of(actor)
    node = GridNode.objects.filter(pk=grid).first() if grid else None
    if node is None:
        raise InvalidInput.field("grid", "请选择举办网格")
    require(actor.scope, ACTIVITIES, node)
    activity = Activity(grid=node, created_by=actor.user if actor.user_id else None, organiser_person=actor.person)
    _apply(activity, actor, {"kind": kind, "title": title, "description": description, "venue": venue,
                             "place": place, "starts_at": starts_at, "ends_at": ends_at, "capacity": capacity,
                             "signup_opens": signup_opens, "signup_closes": signup_closes, "party_only": party_only,
                             "status": status, "organiser": organiser})
    full_clean(activity)
    _check_venue(activity)
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, actor, activity_id: int, **changes) -> Activity:
    """Change an activity (ACTIVITIES over its grid). The capacity cannot go below the places taken;
    raising it moves the first on the waiting list up into the new places, in the same transaction. A venue
    left as it was is not checked again (it may have been closed for new activities since)."""
    actor = Actor.of(actor)
    activity = selectors.activity_get(actor=actor.scope, activity_id=activity_id)
    _require_manage(actor, activity)
    activity = _lock(activity.pk)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "该字段不能修改")
    was = activity.status
    _apply(activity, actor, changes)
    full_clean(activity)
    _check_venue(activity)
    taken = activity.signups.filter(status__in=TAKING_PLACE).count()
    if activity.capacity is not None and "capacity" in changes and taken > activity.capacity:
        raise InvalidInput.field("capacity", f"已有{taken}人报名，名额不能少于{taken}")
    activity.save()
    _promote(activity, because="名额已增加" if "capacity" in changes else "有了空余名额")
    if activity.status == Status.CANCELLED and was != Status.CANCELLED:
        _tell_cancelled(activity)
    return activity


def _tell_cancelled(activity: Activity, reason: str = "") -> None:
    persons = [s.person for s in activity.signups.filter(status__in=[*TAKING_PLACE, SignUpStatus.WAITING])
               .select_related("person")]
    notify(recipients=persons, event="activity.cancelled", title=f"活动已取消：{activity.title}", body=reason,
           link=f"/activities/{activity.pk}/", subdistrict_id=activity.subdistrict_id)


@transaction.atomic
def activity_cancel(*, actor, activity_id: int, reason: str = "", now: dt.datetime | None = None) -> Activity:
    """Call off an activity (ACTIVITIES over its grid) that has not ended yet: everyone signed up or on the
    waiting list is told, with the reason. The sign-ups stay as they were, for the record."""
    actor = Actor.of(actor)
    activity = selectors.activity_get(actor=actor.scope, activity_id=activity_id)
    _require_manage(actor, activity)
    reason = clean_text(reason, "reason", limit=200)
    now = now or timezone.now()
    activity = _lock(activity.pk)
    if activity.status == Status.CANCELLED:
        raise Conflict("该活动已取消")
    if activity.status == Status.DONE or activity.ends_at <= now:
        raise Conflict("该活动已结束，不能取消")
    activity.status = Status.CANCELLED
    activity.save(update_fields=["status"])
    _tell_cancelled(activity, reason)
    return activity


# -- sign-ups ------------------------------------------------------------------------------------------------


def _resident_grid(person: Person) -> GridNode | None:
    resident = person.resident
    if resident is None or resident.left_at is not None:
        return None
    return resident.household.unit.micro_grid


def _eligible(activity: Activity, person: Person) -> GridNode:
    micro = _resident_grid(person)
    if micro is None or not micro.path.startswith(activity.grid.path):
        raise PermissionDenied(f"该活动面向{activity.grid.name}的居民")
    if activity.party_only and not person.resident.is_party_member:
        raise PermissionDenied("该活动仅限党员报名")
    return micro


def _person_for_resident(actor: Actor, activity: Activity, resident_id: int) -> Person:
    resident = Resident.objects.filter(pk=resident_id, left_at__isnull=True) \
        .select_related("household__unit__micro_grid").first()
    micro = resident.household.unit.micro_grid if resident else None
    if micro is None or not actor.scope.can(ACTIVITIES, micro):
        raise InvalidInput.field("resident", "未找到该居民")
    person = Person.objects.filter(resident=resident).first()
    if person is None:
        from wangge.people.services import person_create

        person = person_create(name=resident.name, resident=resident)
    return person


def _taken(activity: Activity) -> int:
    return activity.signups.filter(status__in=TAKING_PLACE).count()


@transaction.atomic
def signup_create(*, actor, activity_id: int, resident: int | None = None,
                  now: dt.datetime | None = None) -> SignUpResult:
    """A resident signs up for themselves; with `resident`, someone holding ACTIVITIES over the activity
    signs up that resident. Over capacity the sign-up joins the waiting list: that is not an error."""
    actor = Actor.of(actor)
    activity = selectors.activity_get(actor=actor.scope, activity_id=activity_id)
    if resident is not None:
        _require_manage(actor, activity)
        person = _person_for_resident(actor, activity, resident)
    else:
        person = actor.person
        if person is None or person.resident_id is None:
            raise PermissionDenied("只有登记了住户的居民可以报名")
    now = now or timezone.now()
    activity = _lock(activity.pk)
    if activity.status != Status.PUBLISHED:
        raise Conflict(f"该活动{activity.get_status_display()}，不能报名")
    if activity.ends_at <= now:
        raise Conflict("该活动已结束")
    if activity.signup_opens and now < activity.signup_opens:
        raise Conflict(f"报名于{timezone.localtime(activity.signup_opens):%m-%d %H:%M}开始")
    if activity.signup_closes and now > activity.signup_closes:
        raise Conflict("报名已截止")
    micro = _eligible(activity, person)
    existing = SignUp.objects.select_for_update().filter(activity=activity, person=person).first()
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        raise Conflict(f"{'您' if person == actor.person else person.name}已报名（{existing.get_status_display()}）")
    full = activity.capacity is not None and _taken(activity) >= activity.capacity
    signup = existing or SignUp(activity=activity, person=person, subdistrict=activity.subdistrict)
    signup.grid = micro
    signup.signed_up_by = actor.label
    signup.cancelled_at = None
    signup.created_at = now
    if full:
        last = activity.signups.filter(status=SignUpStatus.WAITING).aggregate(m=Max("position"))["m"] or 0
        signup.status, signup.position = SignUpStatus.WAITING, last + 1
    else:
        signup.status, signup.position = SignUpStatus.CONFIRMED, None
    try:
        with transaction.atomic():
            signup.save()
    except IntegrityError as exc:
        raise Conflict("已报名") from exc
    return SignUpResult(signup, selectors.waiting_rank(signup))


def _promote(activity: Activity, because: str = "有人取消了报名") -> list[SignUp]:
    """Fill free places from the waiting list, in order (activity row locked by the caller)."""
    if activity.status != Status.PUBLISHED:
        return []
    promoted = []
    free = None if activity.capacity is None else activity.capacity - _taken(activity)
    waiting = activity.signups.filter(status=SignUpStatus.WAITING).order_by("position", "id").select_related("person")
    for signup in waiting if free is None else waiting[:max(free, 0)]:
        signup.status, signup.position = SignUpStatus.CONFIRMED, None
        signup.save(update_fields=["status", "position"])
        promoted.append(signup)
        notify(recipients=[signup.person], event="activity.promoted", title=f"候补成功：{activity.title}",
               body=f"{because}，您已从候补转为正式报名。活动时间：{timezone.localtime(activity.starts_at):%m-%d %H:%M}",
               link=f"/activities/{activity.pk}/", subdistrict_id=activity.subdistrict_id)
    return promoted


@transaction.atomic
def signup_cancel(*, actor, activity_id: int, signup_id: int | None = None) -> SignUp:
    """Cancel one's own sign-up (or, with ACTIVITIES, anyone's). A freed place goes to the first waiting."""
    actor = Actor.of(actor)
    activity = selectors.activity_get(actor=actor.scope, activity_id=activity_id)
    if signup_id is None:
        signup = selectors.my_signup(actor=actor.scope, activity=activity)
        if signup is None:
            raise NotFound("您没有报名该活动")
    else:
        signup = SignUp.objects.filter(activity=activity, pk=signup_id).first()
        if signup is None:
            raise NotFound("未找到该报名")
        if signup.person_id != actor.scope.person_id:
            _require_manage(actor, activity)
    activity = _lock(activity.pk)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status == SignUpStatus.CANCELLED:
        raise Conflict("该报名已取消")
    if signup.status == SignUpStatus.ATTENDED:
        raise Conflict("已签到，不能取消")
    if activity.ends_at <= timezone.now():
        raise Conflict("该活动已结束")
    signup.status, signup.position, signup.cancelled_at = SignUpStatus.CANCELLED, None, timezone.now()
    signup.save(update_fields=["status", "position", "cancelled_at"])
    _promote(activity)
    return signup


# -- check-in ------------------------------------------------------------------------------------------------


def _attend(signup: SignUp, by: str, now: dt.datetime) -> SignUp:
    signup.status, signup.position, signup.attended_at, signup.checked_in_by = SignUpStatus.ATTENDED, None, now, by
    if signup.pk is None:
        signup.save()
    else:
        signup.save(update_fields=["status", "position", "attended_at", "checked_in_by"])
    return signup


@transaction.atomic
def checkin_by_token(*, actor, token: str, now: dt.datetime | None = None) -> SignUp:
    """A signed-up resident scans the activity's QR code during the activity (from an hour before it starts
    to an hour after it ends)."""
    actor = Actor.of(actor)
    activity = Activity.objects.filter(checkin_token=str(token or "")[:40]).first()
    if activity is None:
        raise NotFound("签到码无效")
    now = now or timezone.now()
    activity = _lock(activity.pk)
    if activity.status not in (Status.PUBLISHED, Status.DONE):
        raise Conflict(f"该活动{activity.get_status_display()}")
    if now < activity.starts_at - CHECKIN_MARGIN:
        raise Conflict(f"签到于活动开始前1小时开放（{timezone.localtime(activity.starts_at - CHECKIN_MARGIN):%m-%d %H:%M}）")
    if now > activity.ends_at + CHECKIN_MARGIN:
        raise Conflict("活动已结束，签到已关闭")
    signup = SignUp.objects.select_for_update().filter(activity=activity, person_id=actor.scope.person_id).first() \
        if actor.scope.person_id else None
    if signup is None or signup.status == SignUpStatus.CANCELLED:
        raise Conflict("您没有报名该活动，请到现场找工作人员登记")
    if signup.status == SignUpStatus.WAITING:
        raise Conflict("您在候补名单上，请到现场找工作人员确认")
    if signup.status == SignUpStatus.ATTENDED:
        return signup
    return _attend(signup, actor.label, now)


@transaction.atomic
def checkin_by_staff(*, actor, activity_id: int, signup: int | None = None, resident: int | None = None,
                     now: dt.datetime | None = None) -> SignUp:
    """Staff (ACTIVITIES) check in a sign-up by hand, or record a walk-in resident who had not signed up
    (a walk-in takes no place from anyone: they are already there)."""
    actor = Actor.of(actor)
    activity = selectors.activity_get(actor=actor.scope, activity_id=activity_id)
    _require_manage(actor, activity)
    now = now or timezone.now()
    activity = _lock(activity.pk)
    if activity.status not in (Status.PUBLISHED, Status.DONE):
        raise Conflict(f"该活动{activity.get_status_display()}，不能签到")
    if now < activity.starts_at - CHECKIN_MARGIN:
        raise Conflict("活动还没开始，签到于开始前1小时开放")
    if signup is not None:
        row = SignUp.objects.select_for_update().filter(activity=activity, pk=signup).first()
        if row is None:
            raise InvalidInput.field("signup", "未找到该报名")
        if row.status == SignUpStatus.ATTENDED:
            return row
        return _attend(row, actor.label, now)
    if resident is None:
        raise InvalidInput.field("resident", "请选择报名记录或现场登记的居民")
    person = _person_for_resident(actor, activity, resident)
    micro = _eligible(activity, person)
    row = SignUp.objects.select_for_update().filter(activity=activity, person=person).first()
    if row is None:
        row = SignUp(activity=activity, person=person, subdistrict=activity.subdistrict, grid=micro, walk_in=True,
                     signed_up_by=actor.label)
    elif row.status == SignUpStatus.ATTENDED:
        return row
    return _attend(row, actor.label, now)
