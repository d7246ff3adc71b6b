"""`salter staff …`: sign-in security of staff accounts, for the operator.

    salter staff list <slug>                       members, their second factor, locks
    salter staff require-2fa <slug> [ROLE …]        exactly these roles need a second factor
    salter staff reset-password <username>          a temporary password, shown once
    salter staff reset-2fa <username>               remove authenticator and recovery codes
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from salter.accounts import actions, throttle, twofactor
from salter.accounts.models import TwoFactorRequirement
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Municipality
from salter.tenancy.roles import Role

OPERATOR = SystemActor(municipality=None, label="salter staff")


class Command(BaseCommand):
    help = "Staff sign-in security: second factors, password resets."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("list", help="members of a municipality").add_argument("slug")
        need = sub.add_parser("require-2fa", help="roles that need a second factor "
                              f"(any of: {', '.join(Role.values)}; none to require nothing)")
        need.add_argument("slug")
        need.add_argument("roles", nargs="*")
        sub.add_parser("reset-password", help="a temporary password").add_argument("username")
        sub.add_parser("reset-2fa", help="remove the second factor").add_argument("username")

    def handle(self, what, **options):
        try:
            getattr(self, "_" + what.replace("-", "_"))(**options)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def _municipality(self, slug) -> Municipality:
        found = Municipality.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"no municipality {slug!r}")
        return found

    def _user(self, username):
        user = actions.user_by_name(username)
        if user is None:
            raise CommandError(f"no user {username!r}")
        return user

    def _list(self, slug, **options):
        municipality = self._municipality(slug)
        required = set(TwoFactorRequirement.objects.filter(municipality=municipality)
                       .values_list("role", flat=True))
        self.stdout.write("second factor required for: "
                          + (", ".join(sorted(required)) or "no role"))
        locked = {lock.key.split("|")[0] for lock in throttle.current_locks()}
        for m in actions.staff_of(municipality):
            has_factor, _required = twofactor.state(m.user)
            name = m.user.get_username()
            flags = [f for f, on in [("2fa", has_factor), ("locked", name.lower() in locked),
                                     ("inactive", not m.is_active)] if on]
            self.stdout.write(f"{name:30} {m.role:16} {' '.join(flags)}")

    def _require_2fa(self, slug, roles, **options):
        municipality = self._municipality(slug)
        actor = SystemActor(municipality=municipality, label="salter staff")
        wanted = actions.require_two_factor(actor=actor, roles=roles)
        self.stdout.write(f"{municipality.slug}: second factor required for "
                          + (", ".join(sorted(wanted)) or "no role"))

    def _reset_password(self, username, **options):
        password = actions.reset_password(actor=OPERATOR, user=self._user(username))
        self.stdout.write(f"Temporary password for {username}: {password}")
        self.stdout.write("They choose their own at the next sign-in.")

    def _reset_2fa(self, username, **options):
        removed = actions.reset_two_factor(actor=OPERATOR, user=self._user(username))
        self.stdout.write(f"Removed {removed} second factor(s) of {username}.")
