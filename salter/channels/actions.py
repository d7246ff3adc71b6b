"""Changes to a municipality's endpoints — the addresses, numbers and lines it is reached
on — by its administrator: validated field by field, on the admin timeline."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from salter.administration import timeline
from salter.administration.models import Target, Verb
from salter.cases.models import Channel
from salter.channels.models import Endpoint
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
    locked = (Endpoint.objects.select_for_update()
              .filter(municipality=actor.municipality, pk=endpoint.pk).first())
    if locked is None:
        raise ValidationError(_("Not found."))
    before = timeline.snapshot(locked, ENDPOINT_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save()
    timeline.record(actor, target=Target.ENDPOINT, target_id=locked.pk, label=locked.address,
                    before=before, after=timeline.snapshot(locked, ENDPOINT_FIELDS))
    return locked
