"""/open311/v2/: Open311 GeoReport v2. Every path ends in `.xml` or `.json`; anything else under the prefix
answers 404 in the specification's error format."""

from django.urls import re_path

from . import views

_FMT = r"\.(?P<fmt>[^/.]+)$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + _FMT, views.services, name="open311-services"),
    re_path(r"^services/(?P<code>[^/]+?)" + _FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + _FMT, views.service_requests, name="open311-requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + _FMT, views.service_request, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FMT, views.token, name="open311-token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
