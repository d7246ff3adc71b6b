"""`salter sms …`: the SMS channel's set-up.

  kannel-config --municipality SLUG --base-url URL [--smsc-id ID]
                                   the sms-service and sendsms-user groups for kannel.conf
  webhook-secret --municipality SLUG
                                   the key a commercial gateway signs its webhook with
  endpoint --municipality SLUG --number N [--label L] [--department ID]
                                   register the municipality's SMS number (or short code)
  settings --municipality SLUG [--plain-latin on|off] [--daily-limit N]
           [--hourly-acknowledged N] [--recent-case-hours N]
                                   show or change the municipality's SMS settings
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from salter.cases.models import Channel
from salter.channels.models import Endpoint
from salter.channels.sms import kannel
from salter.channels.sms.models import SmsSettings
from salter.channels.sms.text import endpoint_address
from salter.tenancy.models import Municipality


def _municipality(slug: str) -> Municipality:
    found = Municipality.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(f"--municipality: no municipality {slug!r}.")
    return found


class Command(BaseCommand):
    help = "SMS channel: Kannel configuration, SMS numbers and per-municipality settings."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        config = sub.add_parser("kannel-config",
                                help="Print the sms-service and sendsms-user groups.")
        config.add_argument("--municipality", required=True, metavar="SLUG")
        config.add_argument("--base-url", required=True, metavar="URL",
                            help="Where Kannel's smsbox reaches Šalter, e.g. "
                                 "https://salter.example.rs")
        config.add_argument("--smsc-id", default="", metavar="ID",
                            help="Only the texts of this SMSC (one Kannel, several "
                                 "municipalities).")
        secret = sub.add_parser("webhook-secret",
                                help="Print the key of a commercial gateway's webhook.")
        secret.add_argument("--municipality", required=True, metavar="SLUG")
        endpoint = sub.add_parser("endpoint", help="Register an SMS number of a municipality.")
        endpoint.add_argument("--municipality", required=True, metavar="SLUG")
        endpoint.add_argument("--number", required=True)
        endpoint.add_argument("--label", default="")
        endpoint.add_argument("--department", type=int, default=None, metavar="ID")
        settings = sub.add_parser("settings", help="Show or change a municipality's SMS "
                                                   "settings.")
        settings.add_argument("--municipality", required=True, metavar="SLUG")
        settings.add_argument("--plain-latin", choices=["on", "off"])
        settings.add_argument("--daily-limit", type=int, metavar="N")
        settings.add_argument("--hourly-acknowledged", type=int, metavar="N")
        settings.add_argument("--recent-case-hours", type=int, metavar="N")

    def handle(self, *args, action, **options):
        getattr(self, "handle_" + action.replace("-", "_"))(**options)

    def handle_kannel_config(self, *, municipality, base_url, smsc_id, **options):
        place = _municipality(municipality)
        if not base_url.startswith(("http://", "https://")):
            raise CommandError("--base-url: give Šalter's URL, e.g. https://salter.example.rs")
        self.stdout.write(kannel.config_groups(slug=place.slug, base_url=base_url,
                                               name=place.name, smsc_id=smsc_id), ending="")

    def handle_webhook_secret(self, *, municipality, **options):
        from salter.channels.sms.webhook import webhook_secret

        place = _municipality(municipality)
        self.stdout.write(f"POST {{Šalter}}/gateway/sms/webhook/{place.slug}/\n"
                          f"key (HMAC-SHA256 of \"<timestamp>.<body>\"): "
                          f"{webhook_secret(place.slug)}\n")

    def handle_endpoint(self, *, municipality, number, label, department, **options):
        place = _municipality(municipality)
        address = endpoint_address(number)
        if not address or not address.lstrip("+").isdigit():
            raise CommandError("--number: give the number or short code, e.g. 1234 or "
                               "+381 21 555 111.")
        chosen = None
        if department is not None:
            chosen = place.departments.filter(pk=department).first()
            if chosen is None:
                raise CommandError(f"--department: no department {department} in {place.slug}.")
        endpoint, created = Endpoint.objects.update_or_create(
            municipality=place, channel=Channel.SMS, address=address,
            defaults={"label": label, "department": chosen, "is_active": True})
        self.stdout.write(f"{'created' if created else 'updated'} SMS endpoint {address} "
                          f"({endpoint.pk})")

    @transaction.atomic
    def handle_settings(self, *, municipality, plain_latin, daily_limit, hourly_acknowledged,
                        recent_case_hours, **options):
        place = _municipality(municipality)
        current = SmsSettings.of(place)
        changes = {"plain_latin": None if plain_latin is None else plain_latin == "on",
                   "daily_limit": daily_limit, "hourly_acknowledged": hourly_acknowledged,
                   "recent_case_hours": recent_case_hours}
        changes = {name: value for name, value in changes.items() if value is not None}
        if changes:
            for name, value in changes.items():
                setattr(current, name, value)
            try:
                current.full_clean(exclude=["municipality"])
            except ValidationError as exc:
                raise CommandError("; ".join(
                    f"--{name.replace('_', '-')}: {' '.join(errors)}"
                    for name, errors in exc.message_dict.items())) from exc
            current.save()
        for name in ("plain_latin", "daily_limit", "hourly_acknowledged", "recent_case_hours"):
            self.stdout.write(f"{name.replace('_', '-')}: {getattr(current, name)}")
