from django.urls import path

from . import views

urlpatterns = [
    path("emergencies/", views.emergency_index, name="emergencies"),
    path("emergencies/<int:emergency_id>/", views.emergency_live, name="emergency-live"),
    path("emergencies/<int:emergency_id>/progress/", views.emergency_progress, name="emergency-progress"),
    path("emergencies/<int:emergency_id>/households/<int:household_id>/", views.emergency_household,
         name="emergency-household"),
    path("emergencies/<int:emergency_id>/clear/", views.emergency_clear, name="emergency-clear"),
    path("emergencies/<int:emergency_id>/report/", views.emergency_report, name="emergency-report"),
]
