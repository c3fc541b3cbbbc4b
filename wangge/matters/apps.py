from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "wangge.matters"
    label = "matters"
    verbose_name = _("关键小事")
