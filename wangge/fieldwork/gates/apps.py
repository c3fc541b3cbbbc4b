from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "wangge.fieldwork.gates"
    label = "gates"
    verbose_name = _("门岗值守与访客登记")
