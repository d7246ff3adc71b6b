"""`salter restore DIR`: bring a backup into an empty installation (the database in
DATABASE_URL and SALTER_MEDIA_ROOT), after checking every checksum; then migrate."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salter.backup.archive import BackupError, restore_backup, restored_counts


class Command(BaseCommand):
    help = "Restore a backup made by `salter backup` into an empty installation."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup's directory")

    def handle(self, source, **options):
        try:
            manifest = restore_backup(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts, expected = restored_counts(), manifest["counts"]
        self.stdout.write(f"Restored the backup of {manifest['created_at']}: "
                          f"{counts['cases']} cases, {counts['timeline_entries']} timeline "
                          f"entries, {counts['documents']} documents.")
        different = {k: (expected[k], counts.get(k)) for k in expected
                     if counts.get(k) != expected[k]}
        if different:
            raise CommandError(f"the restored data differs from the backup: {different}")
