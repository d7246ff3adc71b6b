"""Every change to clients goes through here: one transaction, permission checked,
identifiers validated, corrections kept as revisions (field, before, after, who, why),
merges recorded, and each change made by a person written to the access log."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salter import bulk
from salter.audit import log
from salter.clients.identifiers import validate_jmbg, validate_mb, validate_pib
from salter.clients.matching import normalize_contact
from salter.clients.models import (
    Client,
    ClientMerge,
    ClientRevision,
    ContactPerson,
    ContactPoint,
)
from salter.tenancy.access import require
from salter.tenancy.roles import Perm

CLIENT_FIELDS = (
    "kind", "first_name", "last_name", "business_name", "jmbg", "pib", "mb", "address",
    "place", "postal_code", "language", "note",
)
_IDENTIFIERS = {"jmbg": validate_jmbg, "pib": validate_pib, "mb": validate_mb}


def _clean_client_fields(fields: dict) -> dict:
    cleaned = {k: (v or "").strip() if isinstance(v, str) else v for k, v in fields.items()}
    errors = {}
    for name, validate in _IDENTIFIERS.items():
        if cleaned.get(name):
            try:
                cleaned[name] = validate(cleaned[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    kind = cleaned.get("kind", Client.Kind.PERSON)
    if kind == Client.Kind.BUSINESS and not cleaned.get("business_name"):
        errors["business_name"] = [_("A business needs its name.")]
    if kind == Client.Kind.PERSON and not (cleaned.get("first_name") or cleaned.get("last_name")):
        errors["last_name"] = [_("A person needs a name.")]
    if kind == Client.Kind.PERSON and (cleaned.get("pib") or cleaned.get("mb")):
        errors["pib"] = [_("PIB and MB belong to businesses; use JMBG for a person.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_contacts(municipality, contacts, *, owner: Client | None = None):
    """Normalise [(kind, value)], checking no other client already owns one of them."""
    errors, cleaned = {}, []
    for kind, value in contacts:
        if not value:
            continue
        try:
            normalized = normalize_contact(kind, value)
        except ValidationError as exc:
            errors.setdefault(kind, []).extend(exc.messages)
            continue
        taken = ContactPoint.objects.filter(municipality=municipality, kind=kind,
                                            value=normalized)
        if owner is not None:
            taken = taken.exclude(client=owner)
        holder = taken.select_related("client").first()
        if holder is not None:
            errors.setdefault(kind, []).append(
                _("%(value)s already belongs to client %(client)s.")
                % {"value": normalized, "client": holder.client.display_name}
            )
            continue
        cleaned.append((kind, normalized))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _changed(actor, client: Client, changes: dict, *, reason: str = "",
             kind: str = "updated") -> None:
    """Keep a correction as a revision, and record the change in the access log."""
    if changes:
        ClientRevision.objects.create(
            municipality_id=client.municipality_id, client=client, actor=actor.user,
            actor_label="" if actor.user else str(actor), changes=changes,
            reason=(reason or "").strip()[:500])
    log.record_change(actor, log.Target.CLIENT, client.pk,
                      municipality_id=client.municipality_id, subjects=[client.pk],
                      detail=kind, reason=reason)


def refresh_search_text(client: Client) -> None:
    values = list(client.contact_points.values_list("value", flat=True))
    client.search_text = client.compute_search_text(values)
    Client.objects.filter(pk=client.pk).update(search_text=client.search_text)


@transaction.atomic
def create_client(*, actor, contacts=(), **fields) -> Client:
    """Create a client of the actor's municipality with its contact points.

    `contacts` is a sequence of (ContactPoint.Kind, value). Invalid identifiers or
    contact points raise ValidationError keyed by field; nothing is saved.
    """
    require(actor, Perm.EDIT_CLIENT)
    errors = {}
    try:
        cleaned = _clean_client_fields({k: v for k, v in fields.items() if k in CLIENT_FIELDS})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        points = _clean_contacts(actor.municipality, contacts)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    client = Client(municipality=actor.municipality, **cleaned)
    client.search_text = client.compute_search_text([value for _kind, value in points])
    client.save()
    try:
        with transaction.atomic():
            ContactPoint.objects.bulk_create(
                ContactPoint(municipality=actor.municipality, client=client, kind=k, value=v)
                for k, v in points
            )
    except IntegrityError:
        # Another request took the same address in the meantime.
        raise ValidationError({"email": [_("This contact is already in use.")]}) from None
    log.record_change(actor, log.Target.CLIENT, client.pk,
                      municipality_id=client.municipality_id, subjects=[client.pk],
                      detail="created")
    return client


@transaction.atomic
def update_client(*, actor, client: Client, reason: str = "", **fields) -> Client:
    """Correct a client's details; the fields that changed are kept as a revision with
    their values before and after, and `reason` (why, as the person asked)."""
    require(actor, Perm.EDIT_CLIENT)
    before = {name: getattr(client, name) for name in CLIENT_FIELDS}
    current = dict(before)
    current.update({k: v for k, v in fields.items() if k in CLIENT_FIELDS})
    cleaned = _clean_client_fields(current)
    for name, value in cleaned.items():
        setattr(client, name, value)
    client.save()
    refresh_search_text(client)
    _changed(actor, client, {name: [before[name], value] for name, value in cleaned.items()
                             if before[name] != value}, reason=reason)
    return client


@transaction.atomic
def add_contact_point(*, actor, client: Client, kind: str, value: str,
                      label: str = "") -> ContactPoint:
    require(actor, Perm.EDIT_CLIENT)
    cleaned = _clean_contacts(client.municipality, [(kind, value)], owner=client)
    if not cleaned:
        raise ValidationError({kind: [_("Enter a value.")]})
    [(kind, normalized)] = cleaned
    point, created = ContactPoint.objects.get_or_create(
        municipality=client.municipality, kind=kind, value=normalized,
        defaults={"client": client, "label": label},
    )
    refresh_search_text(client)
    _changed(actor, client, {f"contact:{kind}": [None, normalized]} if created else {})
    return point


@transaction.atomic
def remove_contact_point(*, actor, point: ContactPoint) -> None:
    require(actor, Perm.EDIT_CLIENT)
    client = point.client
    point.delete()
    refresh_search_text(client)
    _changed(actor, client, {f"contact:{point.kind}": [point.value, None]})


@transaction.atomic
def add_contact_person(*, actor, client: Client, name: str, function: str = "",
                       email: str = "", phone: str = "") -> ContactPerson:
    require(actor, Perm.EDIT_CLIENT)
    errors = {}
    if email:
        try:
            email = normalize_contact(ContactPoint.Kind.EMAIL, email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if phone:
        try:
            phone = normalize_contact(ContactPoint.Kind.PHONE, phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if not name.strip():
        errors["name"] = [_("Enter the name.")]
    if errors:
        raise ValidationError(errors)
    person = ContactPerson.objects.create(municipality=client.municipality, client=client,
                                          name=name.strip(), function=function.strip(),
                                          email=email, phone=phone)
    _changed(actor, client, {"contact_person": [None, person.name]})
    return person


@transaction.atomic
def mark_contact_failing(*, actor, point: ContactPoint, reason: str) -> None:
    """A message to this address or number bounced; staff see it on the client page."""
    ContactPoint.objects.filter(pk=point.pk).update(is_failing=True, failing_reason=reason[:200])


@transaction.atomic
def merge_clients(*, actor, source: Client, target: Client) -> ClientMerge:
    """Fold `source` into `target`: cases, contacts, messages and documents move; the
    source stays as a pointer so old references still resolve; the merge is recorded on
    the client and on every affected case's timeline."""
    from salter.cases.actions import record_client_merge_on_cases
    from salter.channels.models import InboundMessage, OutboundMessage
    from salter.documents.models import Document

    require(actor, Perm.MERGE_CLIENTS)
    if source.pk == target.pk or source.municipality_id != target.municipality_id:
        raise ValidationError(_("Choose two different clients of this municipality."))
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("One of these clients has already been merged."))
    if source.kind != target.kind:
        raise ValidationError(_("A person cannot be merged with a business."))
    source = Client.objects.select_for_update().get(pk=source.pk)
    target = Client.objects.select_for_update().get(pk=target.pk)

    moved = {
        "contact_points": list(source.contact_points.values_list("value", flat=True)),
        "cases": record_client_merge_on_cases(actor=actor, source=source, target=target),
    }
    source.contact_points.update(client=target)
    source.contact_persons.update(client=target)
    for model in (InboundMessage, OutboundMessage, Document):
        moved[model._meta.model_name] = list(
            model.objects.filter(client=source).values_list("pk", flat=True))
        model.objects.filter(client=source).update(client=target)
    for name in ("jmbg", "pib", "mb", "address", "place", "postal_code", "language"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    refresh_search_text(target)
    for client in (source, target):
        log.record_change(actor, log.Target.CLIENT, client.pk,
                          municipality_id=client.municipality_id,
                          subjects=[source.pk, target.pk], detail="merged")
    return ClientMerge.objects.create(municipality=target.municipality, source=source,
                                      target=target, actor=actor.user, moved=moved)


@dataclass
class NewClients:
    """Clients to register in bulk, built before the transaction (`plan_clients`) and
    inserted in it (`save_clients`): a worker holding the database builds nothing."""

    clients: list[Client]
    points: list[list[ContactPoint]]  # each client's contact points


def plan_clients(*, actor, people) -> NewClients:
    """`create_client` for many at once (intake batches), first half: validate and build
    [(fields, contacts)]; no queries. Raises ValidationError for an invalid entry or a
    contact point given twice."""
    require(actor, Perm.EDIT_CLIENT)
    municipality = actor.municipality
    clients, points = [], []
    for fields, contacts in people:
        cleaned = _clean_client_fields({k: v for k, v in fields.items() if k in CLIENT_FIELDS})
        normalized = [(kind, normalize_contact(kind, value)) for kind, value in contacts
                      if value]
        client = bulk.unsaved(Client, municipality=municipality, **cleaned)
        client.search_text = client.compute_search_text([v for _k, v in normalized])
        clients.append(client)
        points.append([bulk.unsaved(ContactPoint, municipality=municipality, client=client,
                                    kind=kind, value=value) for kind, value in normalized])
    wanted = [(p.kind, p.value) for of_client in points for p in of_client]
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"email": [_("This contact is already in use.")]})
    return NewClients(clients, points)


@transaction.atomic
def save_clients(*, actor, planned: NewClients) -> list[Client]:
    """Insert what `plan_clients` built, all or nothing: a contact point another client
    holds by now raises ValidationError."""
    require(actor, Perm.EDIT_CLIENT)
    points = [p for of_client in planned.points for p in of_client]
    if _any_taken(actor.municipality, [(p.kind, p.value) for p in points]):
        raise ValidationError({"email": [_("This contact is already in use.")]})
    bulk.insert(Client, planned.clients)
    try:
        with transaction.atomic():
            bulk.insert(ContactPoint, points)
    except IntegrityError:
        raise ValidationError({"email": [_("This contact is already in use.")]}) from None
    return planned.clients


def _any_taken(municipality, pairs) -> bool:
    by_kind: dict[str, list[str]] = {}
    for kind, value in pairs:
        by_kind.setdefault(kind, []).append(value)
    return any(ContactPoint.objects.filter(municipality=municipality, kind=kind,
                                           value__in=values).exists()
               for kind, values in by_kind.items())
