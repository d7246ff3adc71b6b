"""`salter backup [--output DIR]`: a consistent backup of the database and the document
store, with checksums, taken while Šalter runs (salter/backup/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salter.backup.archive import BackupError, default_target, write_backup


class Command(BaseCommand):
    help = "Back up the database and the document store into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path,
                            help="a new directory (default var/backups/salter-<time>)")

    def handle(self, output=None, **options):
        target = output or default_target()
        try:
            manifest = write_backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = manifest["counts"]
        self.stdout.write(
            f"Backup written to {target}: {manifest['engine']} database, "
            f"{counts['cases']} cases, {counts['timeline_entries']} timeline entries, "
            f"{counts['documents']} documents, {manifest['files']} stored files "
            f"({manifest['file_bytes']} bytes). Check it with: "
            f"cd {target} && sha256sum -c SHA256SUMS")
