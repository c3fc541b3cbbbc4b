"""Pages of the inbox: my notifications (open one, mark one or all read) and how I hear of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.errors import InvalidInput, NotFound
from wangge.core.schemas import MAX_ID
from wangge.core.views import is_htmx

from . import selectors, services

PER_PAGE = 20
CHANNELS = ("email", "sms", "digest")


def _next(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return "inbox"


@login_required
@require_GET
def inbox(request):
    """My notifications, newest first, twenty a page; `?unread=1` keeps the unread ones."""
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notification_list(actor=request.user, unread=True if unread_only else None)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    unread = selectors.unread_count(actor=request.user)
    context = {
        "page": page, "unread_only": unread_only, "has_person": hasattr(request.user, "person"),
        "nav_unread": unread,  # the menu's badge: counted once for both
    }
    return render(request, "notify/inbox.html", context)


@login_required
@require_GET
def inbox_open(request, notification_id: int):
    """Open a notification's target, marking it read on the way."""
    try:
        services.notification_mark_read(actor=request.user, notification_ids=[notification_id])
    except NotFound as exc:
        raise Http404(exc.message) from exc
    notification = selectors.notification_list(actor=request.user).get(pk=notification_id)
    return redirect(notification.link or "inbox")


@login_required
@require_POST
def inbox_read(request):
    """Mark one notification read (`id`; htmx gets the entry back, and the menu's badge), or all (`all`)."""
    raw = request.POST.get("id", "").strip()
    if request.POST.get("all") == "1":
        ids = None
    elif raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID:
        ids = [int(raw)]
    else:
        raise Http404("未找到通知")
    try:
        services.notification_mark_read(actor=request.user, notification_ids=ids)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if ids and is_htmx(request):
        context = {
            "n": selectors.notification_list(actor=request.user).get(pk=ids[0]),
            "nav_unread": selectors.unread_count(actor=request.user), "next": _next(request),
        }
        return render(request, "notify/_marked.html", context)
    return redirect(_next(request))


@login_required
@require_http_methods(["GET", "POST"])
def inbox_preferences(request):
    """Choose email, text messages or the daily digest. A user who is no person has nothing to choose."""
    try:
        person = services.person_of(request.user)
    except NotFound:
        return render(request, "notify/preferences.html", {"person": None})
    preference = selectors.preference_get(person=person)
    values = {field: getattr(preference, field) for field in CHANNELS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {field: request.POST.get(field) == "on" for field in CHANNELS}
        try:
            services.preference_update(actor=request.user, **values)
        except InvalidInput as exc:
            errors = {e.field: e.message for e in exc.errors}
        else:
            messages.success(request, _("已保存通知方式。"))
            return redirect("inbox-preferences")
    context = {"person": person, "values": values, "errors": errors, "has_email": bool(person.user.email)}
    return render(request, "notify/preferences.html", context, status=422 if errors else 200)
