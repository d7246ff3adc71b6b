"""`salter unlock <username>`: lift the sign-in lock of an account (in every browser);
`--address` that of a network address; `--list` shows what is locked now."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salter.accounts import throttle


class Command(BaseCommand):
    help = "Lift the lock that failed sign-ins put on an account or an address."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--address", help="a network address locked by failures")
        parser.add_argument("--list", action="store_true", help="show the current locks")

    def handle(self, username=None, address=None, list=False, **options):
        if list:
            self._list()
            return
        if username is None and address is None:
            raise CommandError("name a username, --address or --list")
        removed = throttle.unlock(username=username, address=address)
        what = " and ".join(filter(None, [username and f"account {username}",
                                          address and f"address {address}"]))
        if removed:
            self.stdout.write(f"Unlocked {what}: its failed sign-ins are forgotten.")
        else:
            self.stdout.write(f"Nothing to unlock for {what}: no failed sign-ins counted.")

    def _list(self) -> None:
        locks = list(throttle.current_locks())
        if not locks:
            self.stdout.write("No account or address is locked.")
        for lock in locks:
            until = timezone.localtime(lock.locked_until).strftime("%Y-%m-%d %H:%M")
            key = lock.key.split("|")[0] if lock.kind == throttle.Kind.BROWSER else lock.key
            self.stdout.write(f"{lock.kind:8} {key:40} {lock.failures:4} failures, "
                              f"locked until {until}")
