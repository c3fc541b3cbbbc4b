from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "wangge.hall.meetings"
    label = "meetings"
    verbose_name = _("议事会议")
