"""Changes to a municipality's endpoints — the addresses, numbers and lines it is reached
on — by its administrator: validated field by field, on the admin timeline."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from salter.administration import timeline
from salter.administration.models import Target, Verb
from salter.cases.models import Channel
from salter.channels.models import Endpoint, Mailbox
from salter.clients.contact import normalize_phone
from salter.tenancy.access import require
from salter.tenancy.roles import Perm

ENDPOINT_FIELDS = ("channel", "address", "label", "department", "is_active")


def _validate(endpoint: Endpoint) -> None:
    if endpoint.channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose a channel.")]})
    address = " ".join((endpoint.address or "").split())
    if not address:
        raise ValidationError({"address": [_("Give the address, number or line.")]})
    if endpoint.channel == Channel.EMAIL:
        address = address.lower()
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"address": [_("Enter a valid e-mail address.")]}) from None
    elif endpoint.channel == Channel.SMS and not address.isdigit():
        # A short code stays as it is; a full number is kept in E.164.
        try:
            address = normalize_phone(address)
        except ValidationError:
            raise ValidationError({"address": [_("Enter a telephone number or a short "
                                                 "code.")]}) from None
    endpoint.address = address
    endpoint.label = " ".join((endpoint.label or "").split())
    department = endpoint.department
    if department is not None and department.municipality_id != endpoint.municipality_id:
        raise ValidationError({"department": [_("Not a department of this municipality.")]})
    taken = (Endpoint.objects.filter(municipality=endpoint.municipality,
                                     channel=endpoint.channel, address=endpoint.address)
             .exclude(pk=endpoint.pk))
    if taken.exists():
        raise ValidationError({"address": [_("The municipality already has this endpoint.")]})


def _unknown(fields: dict) -> None:
    unknown = sorted(set(fields) - set(ENDPOINT_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a field of an endpoint.")] for name in unknown})


@transaction.atomic
def create_endpoint(*, actor, **fields) -> Endpoint:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    _unknown(fields)
    endpoint = Endpoint(municipality=actor.municipality, **fields)
    _validate(endpoint)
    endpoint.save()
    timeline.record(actor, target=Target.ENDPOINT, target_id=endpoint.pk,
                    label=endpoint.address, verb=Verb.CREATED,
                    after=timeline.snapshot(endpoint, ENDPOINT_FIELDS))
    return endpoint


@transaction.atomic
def update_endpoint(*, actor, endpoint: Endpoint, **changes) -> Endpoint:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    _unknown(changes)
    locked = timeline.lock_own(Endpoint, actor, endpoint.pk)
    before = timeline.snapshot(locked, ENDPOINT_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save()
    timeline.record(actor, target=Target.ENDPOINT, target_id=locked.pk, label=locked.address,
                    before=before, after=timeline.snapshot(locked, ENDPOINT_FIELDS))
    return locked


MAILBOX_FIELDS = ("imap_host", "imap_port", "imap_ssl", "imap_username", "folder",
                  "processed_folder", "use_idle", "poll_seconds", "is_active")


@transaction.atomic
def set_mailbox(*, actor, endpoint: Endpoint, password: str = "", **fields) -> Mailbox:
    """How Šalter reads an e-mail endpoint over IMAP; an empty `password` keeps the one
    stored. The timeline records that the password changed, never the password."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    unknown = sorted(set(fields) - set(MAILBOX_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a setting of a mailbox.")] for name in unknown})
    if endpoint.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    if endpoint.channel != Channel.EMAIL:
        raise ValidationError({"imap_host": [_("Only an e-mail endpoint is read over IMAP.")]})
    mailbox = (Mailbox.objects.select_for_update().filter(endpoint=endpoint).first()
               or Mailbox(municipality=actor.municipality, endpoint=endpoint))
    before = timeline.snapshot(mailbox, MAILBOX_FIELDS) if mailbox.pk else {}
    for name, value in fields.items():
        setattr(mailbox, name, value)
    mailbox.imap_host = (mailbox.imap_host or "").strip()
    if not mailbox.imap_host:
        raise ValidationError({"imap_host": [_("Give the IMAP server.")]})
    if not 0 < int(mailbox.imap_port or 0) < 65536:
        raise ValidationError({"imap_port": [_("A port is 1 to 65535.")]})
    if password:
        mailbox.imap_password = password
    elif not mailbox.imap_password:
        raise ValidationError({"password": [_("Give the mailbox's password.")]})
    try:
        # An empty processed folder is allowed: handled mail is then only marked as seen.
        mailbox.full_clean(exclude=["processed_folder", "last_error"], validate_unique=False,
                           validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    mailbox.save()
    after = timeline.snapshot(mailbox, MAILBOX_FIELDS)
    if password:
        after["password"] = "(changed)"
    timeline.record(actor, target=Target.ENDPOINT, target_id=endpoint.pk,
                    label=f"{endpoint.address} (IMAP)",
                    verb=Verb.CHANGED if before else Verb.CREATED, before=before, after=after)
    return mailbox
