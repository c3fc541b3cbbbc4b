"""wangge's URLs plus the bare JSON view that B1 measures its baseline against, and the floor view it measures
beside it for reference (bench only)."""

import hashlib
import json

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from wangge.config.urls import urlpatterns as wangge_urlpatterns


@csrf_exempt
@require_POST
def bare(request):
    """Parse the JSON body and answer with a small JSON document: Django's request cycle, nothing else."""
    payload = json.loads(request.body)
    return JsonResponse({"ok": True, "fields": len(payload)}, status=201)


@csrf_exempt
@require_POST
def floor(request):
    """The least a transactional intake could do, in raw SQL with no model: read the bearer token's row
    and one grid node, write the token's last use, commit. What the database's round trips and its
    commit cost the server, without any of wangge's own work."""
    payload = json.loads(request.body)
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT id, user_id, expires_at FROM people_apitoken WHERE digest = %s", [digest])
        token_row = cursor.fetchone()
        cursor.execute("SELECT id, path, level FROM registry_gridnode WHERE id = %s", [token_row[1]])
        cursor.fetchone()
        cursor.execute("UPDATE people_apitoken SET last_used_at = now() WHERE id = %s", [token_row[0]])
    return JsonResponse({"ok": True, "fields": len(payload)}, status=201)


_LEAN_WRITE = """
WITH m AS (
  INSERT INTO matters_matter (subdistrict_id, search_text, category_id, source, state, description, attributes,
    grid_id, lon, lat, address, reporter_user_id, reporter_name, reporter_phone, reporter_email, anonymous, device_id,
    token, assignee_id, assignee_role, handling_grid_id, escalation_level, stage, deadline, deadline_seq, held_state,
    breached, rating, rating_comment, reopened, rework_count, created_at, updated_at)
  VALUES (%(sd)s, %(desc)s, %(cat)s, 'api', 'reported', %(desc)s, '{}'::jsonb, %(grid)s, %(lon)s, %(lat)s, '', %(user)s,
    '', '', '', false, '', %(token)s, %(assignee)s, %(role)s, %(hgrid)s, 0, 'accept', %(deadline)s, 1, '', false, '', '',
    false, 0, %(now)s, %(now)s)
  RETURNING id),
e AS (
  INSERT INTO matters_event (matter_id, seq, at, action, from_state, to_state, actor_user_id, actor_label, note, data,
    public)
  SELECT m.id, v.seq, %(now)s, v.action, '', v.to_state, %(user)s, %(label)s, '', v.data::jsonb, v.public
  FROM m, (VALUES (1, 'report', 'reported', '{"source": "api"}', true),
                  (2, 'assign', '', %(assign)s, false)) AS v(seq, action, to_state, data, public)),
d AS (
  INSERT INTO rollups_delta (received, due, done, done_on_time, reworked, rated, satisfied, basic, handling_s, breached,
    closed, closed_on_time, grid_id, category_id, source, day, state, breached_now, current)
  VALUES (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, %(grid)s, %(cat)s, '', NULL, 'reported', false, 1),
         (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, %(grid)s, %(cat)s, 'api', %(day)s, '', false, 0)),
n AS (
  INSERT INTO notify_notification (subdistrict_id, recipient_id, event, title, body, link, payload, created_at)
  SELECT %(sd)s, %(assignee)s, 'matter.assigned', %(title)s, %(desc)s, '/matters/' || m.id || '/',
    jsonb_build_object('matter', m.id, 'state', 'reported'), %(now)s FROM m),
w AS (SELECT count(*) AS hooks FROM notify_webhook WHERE active AND subdistrict_id = %(sd)s)
SELECT m.id, w.hooks FROM m, w
"""


@csrf_exempt
@require_POST
def lean(request):
    """A hand-written intake, for reference only: the token with its user read, the point located in the
    process's index, the node with the handler role's duties up its chain read, then the matter, its two
    events, its rollup delta and the assignee's inbox entry written by one statement that commits itself:
    three round trips in raw SQL. No model, no API framework and no checks beyond what the figures need
    (the category's fallbacks, attributes, photos and units are left out). How far an intake could go if
    it gave up wangge's layers."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from wangge.core import geo
    from wangge.matters import selectors
    from wangge.registry import locate
    from wangge.registry.models import path_ids

    payload = json.loads(request.body)
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = timezone.now()
    category = selectors.report_categories()[payload["category"]]
    wlon, wlat = geo.to_wgs84(float(payload["lon"]), float(payload["lat"]), payload["crs"])
    node_id = locate.locate_id(wlon, wlat)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.expires_at, t.revoked, u.id, u.is_active, u.username FROM people_apitoken t "
            "JOIN auth_user u ON u.id = t.user_id WHERE t.digest = %s", [digest])
        expires_at, revoked, user_id, active, username = cursor.fetchone()
        assert expires_at > now and not revoked and active
        cursor.execute(
            "SELECT g.id, g.code, g.name, g.level, g.subdistrict_id, g.path, d.person_id, d.role, d.grid_id, p.name "
            "FROM registry_gridnode g LEFT JOIN people_duty d ON d.grid_id = ANY(string_to_array(trim(both '/' "
            "from g.path), '/')::bigint[]) AND d.role = %s AND d.start <= %s AND (d.end IS NULL OR d.end > %s) "
            "LEFT JOIN people_person p ON p.id = d.person_id WHERE g.id = %s ORDER BY d.start, d.id",
            [category.handler_role, now, now, node_id])
        rows = cursor.fetchall()
        grid, code, name, level, sd, grid_path = rows[0][:6]
        nearest = {}
        for *_, person_id, role, grid_id, person_name in rows:
            nearest.setdefault(grid_id, (person_id, role, grid_id, person_name))
        assignee, role, hgrid, person_name = next(nearest[g] for g in path_ids(grid_path)[::-1] if g in nearest)
        deadline = now + dt.timedelta(hours=12)
        cursor.execute(_LEAN_WRITE, {
            "sd": sd, "desc": payload["description"], "cat": category.pk, "grid": grid, "lon": wlon, "lat": wlat,
            "user": user_id, "token": secrets.token_urlsafe(12), "assignee": assignee, "role": role, "hgrid": hgrid,
            "deadline": deadline, "now": now, "label": username, "title": f"新事项：{category.name}",
            "assign": json.dumps({"to": assignee, "role": role}), "day": timezone.localdate(now),
        })
        matter_id, _hooks = cursor.fetchone()
    return JsonResponse({
        "id": matter_id, "category": category.code, "category_name": category.name, "source": "api",
        "state": "reported", "description": payload["description"],
        "grid": {"id": grid, "code": code, "name": name, "level": level}, "lon": wlon, "lat": wlat,
        "assignee": {"id": assignee, "name": person_name}, "assignee_role": role, "deadline": deadline,
        "stage": "accept", "created_at": now, "updated_at": now,
    }, status=201)


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/lean", lean, name="bench-lean"),
    path("bench/floor", floor, name="bench-floor"),
    *wangge_urlpatterns,
]
