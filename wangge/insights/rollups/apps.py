from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "wangge.insights.rollups"
    label = "rollups"
    verbose_name = _("统计汇总")

    def ready(self) -> None:
        from wangge.fieldwork.visits.signals import visit_logged
        from wangge.matters.signals import matter_changed

        from . import receivers

        matter_changed.connect(receivers.matter_changed, dispatch_uid="rollups.matter_changed")
        visit_logged.connect(receivers.visit_logged, dispatch_uid="rollups.visit_logged")
