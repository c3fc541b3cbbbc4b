from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "wangge.hall.consultations"
    label = "consultations"
    verbose_name = _("征求意见")
