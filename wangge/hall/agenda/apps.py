from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "wangge.hall.agenda"
    label = "agenda"
    verbose_name = _("议事日程")
