from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitorsConfig(AppConfig):
    name = "wangge.fieldwork.visitors"
    label = "visitors"
    verbose_name = _("访客登记")
