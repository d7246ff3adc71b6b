from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SalterConfig(AppConfig):
    """The project package itself: home of the project-wide commands (serve, worker, bench)."""

    name = "salter"
    verbose_name = "Šalter"

    def ready(self):
        post_migrate.connect(_search_indexes_after_migrate, dispatch_uid="salter-search-index")


SEARCH_INDEX_MIGRATION = ("cases", "0007_search_indexes")


def _search_indexes_after_migrate(sender, app_config=None, using="default", **kwargs):
    """Re-create search triggers a table rebuild of this migrate dropped (SQLite), once
    per migrate (for the cases app), when the migration that installs them is applied."""
    if app_config is None or app_config.label != "cases":
        return
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from salter import searchindex

    connection = connections[using]
    if SEARCH_INDEX_MIGRATION in MigrationRecorder(connection).applied_migrations():
        searchindex.install(connection)
