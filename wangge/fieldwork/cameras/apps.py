from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    name = "wangge.fieldwork.cameras"
    label = "cameras"
    verbose_name = _("治安联防监控")
