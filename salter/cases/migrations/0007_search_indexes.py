"""The search indexes over the folded texts: FTS5 trigram tables kept by triggers on
SQLite, pg_trgm and full-text GIN indexes on PostgreSQL (`salter.searchindex`)."""

from django.db import migrations

from salter import searchindex


def install(apps, schema_editor):
    searchindex.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    searchindex.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_lists_at_scale"),
        ("channels", "0009_search_text"),
        ("clients", "0003_corrections_consent_anonymisation"),
        ("documents", "0003_search_text"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
