from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _guard_history_tables(sender, using="default", **kwargs) -> None:
    # After every migrate (not in a migration): a historical model added later by any app gets
    # its append-only trigger without anyone remembering to write one.
    from .audit import install_history_guards

    install_history_guards(using=using)


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools")

    def ready(self) -> None:
        post_migrate.connect(_guard_history_tables, sender=self, dispatch_uid="schools.guard_history_tables")
