from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    name = "wangge.insights.synth"
    label = "synth"
    verbose_name = _("模拟城市")
