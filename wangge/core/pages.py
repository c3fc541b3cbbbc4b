from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from wangge.people.access import request_scope


@login_required
def home(request):
    scope = request_scope(request)
    if scope.is_staff_scope:
        return redirect("grid-browser")
    return redirect("my-household")
