from django.urls import include, path

urlpatterns = [
    path("", include("wangge.matters.urls_resident")),
    path("", include("wangge.matters.urls_staff")),
    path("open311/v2/", include("wangge.matters.open311.urls")),
]
