from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "wangge.insights.dashboards"
    label = "dashboards"
    verbose_name = _("数据看板")
