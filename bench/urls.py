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


urlpatterns = [
    path("bench/bare", bare, name="bench-bare"),
    path("bench/floor", floor, name="bench-floor"),
    *wangge_urlpatterns,
]
