"""wangge's URLs plus the bare JSON view that B1 measures its baseline against (bench only)."""

import json

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


urlpatterns = [path("bench/bare", bare, name="bench-bare"), *wangge_urlpatterns]
