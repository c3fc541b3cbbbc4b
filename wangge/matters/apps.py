from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "wangge.matters"
    label = "matters"
    verbose_name = _("关键小事")

    def ready(self) -> None:
        from . import selectors, sla
        from .models import Category, CategoryAttribute, Holiday

        selectors.kept_categories.forget_on_change(Category, CategoryAttribute, uid="matters.categories")
        sla.kept_calendar.forget_on_change(Holiday, uid="matters.calendar")
