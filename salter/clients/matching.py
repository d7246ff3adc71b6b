"""Finding clients: by a contact point (the one matcher every channel uses), and
suggesting possible duplicates of a client."""

from django.db.models import Q

from salter.clients.contact import normalize_email, normalize_phone
from salter.clients.models import Client, ContactPoint
from salter.lang.transliteration import fold

_NORMALIZERS = {
    ContactPoint.Kind.EMAIL: normalize_email,
    ContactPoint.Kind.PHONE: normalize_phone,
    ContactPoint.Kind.POSTAL: lambda value: " ".join(value.split()),
}


def normalize_contact(kind: str, value: str) -> str:
    """Normalise a contact value of `kind`; raises ValidationError when invalid."""
    return _NORMALIZERS[kind](value)


def find_client_by_contact(municipality, kind: str, value: str) -> Client | None:
    """The client owning this contact point, followed through merges to the current one."""
    point = (
        ContactPoint.objects.select_related("client")
        .filter(municipality=municipality, kind=kind, value=value)
        .first()
    )
    if point is None:
        return None
    client = point.client
    while client.merged_into_id is not None:
        client = client.merged_into
    return client


def suggest_duplicates(client: Client, limit: int = 10) -> list[Client]:
    """Other current clients that may be the same person or business."""
    candidates = Q()
    for field in ("jmbg", "pib", "mb"):
        if getattr(client, field):
            candidates |= Q(**{field: getattr(client, field)})
    name = fold(client.display_name)
    if name:
        candidates |= Q(search_text__startswith=name)
        if client.kind == Client.Kind.PERSON and client.last_name:
            surname = fold(client.last_name)
            first = fold(client.first_name)[:1]
            candidates |= Q(search_text__contains=surname, search_text__startswith=first)
    if not candidates:
        return []
    return list(
        Client.objects.current()
        .filter(municipality_id=client.municipality_id)
        .filter(candidates)
        .exclude(pk=client.pk)[:limit]
    )
