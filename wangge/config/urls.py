from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from wangge.config.api import api
from wangge.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("wangge.core.urls")),
    path("", include("wangge.registry.urls")),
    path("", include("wangge.people.urls")),
    path("", include("wangge.notify.urls")),
    path("", include("wangge.matters.urls")),
    path("", include("wangge.fieldwork.visits.urls")),
    path("", include("wangge.fieldwork.urls")),
    path("", include("wangge.fieldwork.disputes.urls")),
    path("", include("wangge.fieldwork.gates.urls")),
    path("", include("wangge.fieldwork.visitors.urls")),
    path("", include("wangge.fieldwork.cameras.urls")),
    path("", include("wangge.fieldwork.incidents.urls")),
    path("", include("wangge.fieldwork.emergencies.urls")),
    path("", include("wangge.hall.agenda.urls")),
    path("", include("wangge.hall.meetings.urls")),
    path("", include("wangge.hall.consultations.urls")),
    path("", include("wangge.community.urls")),
    path("", include("wangge.community.activities.urls")),
    path("", include("wangge.community.venues.urls")),
    path("", include("wangge.community.elections.urls")),
    path("", include("wangge.community.notices.urls")),
    path("", include("wangge.insights.dashboards.urls")),
    path("", include("wangge.insights.evaluation.urls")),
    path("", include("wangge.insights.reports.urls")),
    path("", include("wangge.insights.transparency.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
