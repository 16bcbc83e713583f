from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """Results sent up to the Phòng/Sở (xlsx), the statistics report, the district supervisor's view."""

    name = "exports"
    verbose_name = _("Exports")
