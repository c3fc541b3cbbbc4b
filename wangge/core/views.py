import functools

from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .errors import ApplicationError, NotFound, PermissionDenied
from .schemas import MAX_ID


@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def forbidden(request, message: str):
    return render(request, "core/forbidden.html", {"message": message}, status=403)


def refusals(view):
    """Map the domain's refusals for a page: NotFound → 404 (outside the scope; ids don't leak),
    PermissionDenied → 403 with a page saying why (inside the scope, a role that may not)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            return forbidden(request, exc.message)

    return wrapped


def form_id(value) -> int | None:
    """An id as a form or query string sends it (a `<select>` value, `?grid=12`): ASCII digits naming a
    possible row, else None — so that a typed "abc", "0" or an id past BIGINT reaches the service as "not
    chosen" instead of a crash."""
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def field_errors(exc: ApplicationError) -> dict[str, str]:
    """A refusal as a form shows it: the first message for each field it names, or the whole message
    under "form" when it names none."""
    out: dict[str, str] = {}
    for e in exc.errors:
        out.setdefault(e.field, e.message)
    return out or {"form": exc.message}
