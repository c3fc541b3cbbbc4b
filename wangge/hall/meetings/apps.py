from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "wangge.hall.meetings"
    label = "meetings"
    verbose_name = _("议事会议")

    def ready(self) -> None:
        from wangge.hall.agenda.signals import session_changed

        from . import receivers

        session_changed.connect(receivers.session_changed, dispatch_uid="meetings.session_changed")
