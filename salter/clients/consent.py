"""Consent of clients to be contacted, per channel and purpose.

A statement is a row (`Consent`), never changed: given or withdrawn, when and how.
What holds for a channel and purpose is the latest statement for exactly that purpose,
else the latest for every purpose (`Purpose.ALL`: "STOP" by SMS withdraws everything on
that channel). Without any statement the caller's default applies: a municipality
answers a citizen's own request on the channel it came from, so acknowledgements and
case updates default to allowed; information it sends unasked should default to not.

A channel that learns a client's wish (an SMS "STOP", an unsubscribe link) calls
`record_consent` with a SystemActor and the inbound message as evidence.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salter.audit import log
from salter.clients.models import Client, Consent
from salter.tenancy.access import require
from salter.tenancy.roles import Perm

Purpose = Consent.Purpose


@transaction.atomic
def record_consent(*, actor, client: Client, channel: str, given: bool,
                   purpose: str = Purpose.ALL, how: str = "", source: str = "", at=None,
                   inbound=None) -> Consent:
    """Add a statement of `client` about `channel` for `purpose`."""
    require(actor, Perm.EDIT_CLIENT)
    if client.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Choose a client of this municipality."))
    channel = (channel or "").strip().lower()
    if not channel or len(channel) > 20:
        raise ValidationError({"channel": [_("Name the channel.")]})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [_("Choose a purpose.")]})
    consent = Consent.objects.create(
        municipality_id=client.municipality_id, client=client, channel=channel,
        purpose=purpose, given=bool(given), at=at or timezone.now(),
        how=(how or "").strip()[:300], source=(source or "").strip()[:20],
        inbound_message_id=inbound.pk if inbound is not None else None,
        recorded_by=actor.user, recorded_label="" if actor.user else str(actor))
    log.record_change(actor, log.Target.CLIENT, client.pk,
                      municipality_id=client.municipality_id, subjects=[client.pk],
                      detail=f"consent {channel}/{purpose}: {'given' if given else 'withdrawn'}")
    return consent


def consent_given(client: Client, channel: str, purpose: str = Purpose.ALL) -> bool | None:
    """What holds now for `channel` and `purpose`: True, False, or None (never said)."""
    statements = Consent.objects.filter(client=client, channel=channel.lower())
    exact = statements.filter(purpose=purpose).order_by("-at", "-id").first()
    if exact is None and purpose != Purpose.ALL:
        exact = statements.filter(purpose=Purpose.ALL).order_by("-at", "-id").first()
    elif exact is not None and purpose != Purpose.ALL:
        overall = statements.filter(purpose=Purpose.ALL, at__gt=exact.at).order_by(
            "-at", "-id").first()
        exact = overall or exact
    return None if exact is None else exact.given


def may_contact(client: Client, channel: str, purpose: str, *, default: bool) -> bool:
    said = consent_given(client, channel, purpose)
    return default if said is None else said


def current_consents(client: Client) -> list[Consent]:
    """The statement that holds for each channel and purpose the client spoke about."""
    latest: dict[tuple[str, str], Consent] = {}
    for consent in Consent.objects.filter(client=client).order_by("at", "id"):
        latest[(consent.channel, consent.purpose)] = consent
    return sorted(latest.values(), key=lambda c: (c.channel, c.purpose))
