"""Issue an API token for a staff member of a municipality: `salter api_token <slug> <user>`.

The key is printed once; Šalter keeps only its hash.
"""

from django.core.management.base import BaseCommand, CommandError

from salter.api.models import ApiToken
from salter.tenancy.models import Membership


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("municipality")
        parser.add_argument("username")
        parser.add_argument("--name", default="integration")

    def handle(self, municipality, username, name, **options):
        membership = Membership.objects.filter(
            municipality__slug=municipality, user__username=username, is_active=True).first()
        if membership is None:
            raise CommandError(f"{username} is not an active member of {municipality}")
        _token, raw = ApiToken.issue(membership, name)
        self.stdout.write(raw)
