"""`salter quarantine list|show ID|replay [ID…|--all]`: messages set aside by intake."""

from django.core.management.base import BaseCommand, CommandError

from salter.channels.models import InboundMessage
from salter.intake.pipeline import replay
from salter.intake.preview import safe_preview

State = InboundMessage.State


class Command(BaseCommand):
    help = "List, show and replay quarantined inbound messages."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="only this municipality (slug)")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="quarantined messages, oldest first")
        show = sub.add_parser("show", help="one message: reason and a safe preview")
        show.add_argument("id", type=int)
        again = sub.add_parser("replay", help="process messages again, e.g. after a fix")
        again.add_argument("ids", type=int, nargs="*")
        again.add_argument("--all", action="store_true", help="every quarantined message")

    def handle(self, *args, action: str, municipality: str | None = None, **options):
        messages = InboundMessage.objects.select_related("municipality").order_by("pk")
        if municipality:
            messages = messages.filter(municipality__slug=municipality)
        if action == "list":
            self._list(messages.filter(state=State.QUARANTINED))
        elif action == "show":
            self._show(_get(messages, options["id"]))
        else:
            self._replay(messages, options["ids"], options["all"])

    def _list(self, messages):
        for m in messages:
            self.stdout.write(f"{m.pk}\t{m.municipality.slug}\t{m.received_at:%Y-%m-%d %H:%M}\t"
                              f"{m.sender or '-'}\t{_one_line(m.reason_shown)}")

    def _show(self, m):
        for label, value in (("id", m.pk), ("municipality", m.municipality.slug),
                             ("state", m.state), ("received", m.received_at.isoformat()),
                             ("source", m.source), ("external id", m.external_id),
                             ("sha256", m.sha256), ("attempts", m.attempts),
                             ("reason", m.reason_shown)):
            self.stdout.write(f"{label}: {value}")
        self.stdout.write("")
        self.stdout.write(safe_preview(m))

    def _replay(self, messages, ids: list[int], everything: bool):
        if not ids and not everything:
            raise CommandError("Name the messages to replay, or use --all.")
        chosen = (messages.filter(state=State.QUARANTINED) if everything
                  else [_get(messages, pk) for pk in ids])
        for m in list(chosen):
            outcome = replay(m)
            m.refresh_from_db()
            self.stdout.write(f"{m.pk}\t{outcome}\t{_one_line(m.reason_shown)}")


def _get(messages, pk: int) -> InboundMessage:
    message = messages.filter(pk=pk).first()
    if message is None:
        raise CommandError(f"No inbound message {pk}.")
    return message


def _one_line(text: str) -> str:
    return " ".join((text or "").split())[:200]
