from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "wangge.community.venues"
    label = "venues"
    verbose_name = _("活动场地")
