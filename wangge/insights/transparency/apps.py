from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "wangge.insights.transparency"
    label = "transparency"
    verbose_name = _("社区公开")
