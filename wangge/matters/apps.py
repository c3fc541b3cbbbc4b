from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "wangge.matters"
    label = "matters"
    verbose_name = _("关键小事")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import selectors
        from .models import Category

        post_save.connect(selectors.forget_categories, sender=Category, dispatch_uid="matters.categories.saved")
        post_delete.connect(selectors.forget_categories, sender=Category, dispatch_uid="matters.categories.deleted")
