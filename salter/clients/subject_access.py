"""A data subject's right of access (ZZPL art. 26): everything the municipality holds on
one client, as JSON and as PDF, for the staff member who answers the request
(ANSWER_DATA_REQUESTS) with the reason it was asked for.

"Everything" is the client's details and contacts, the corrections made to them, the
consents they gave or withdrew, every case they are party of with its timeline (internal
notes included: they are data about the person too), the messages they sent and were
sent, their documents (name, kind, size, fingerprint and text; the files are opened from
the case), and who accessed their data. The export is itself recorded in the access log.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from salter.audit import log, reading
from salter.cases.models import Case, CaseEvent
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import Client
from salter.documents.models import Document
from salter.tenancy.access import require
from salter.tenancy.roles import Perm

_CLIENT_FIELDS = ("kind", "first_name", "last_name", "business_name", "jmbg", "pib", "mb",
                  "address", "place", "postal_code", "language", "note")


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _by(user, label=""):
    return user.get_username() if user is not None else label


def held_on(client: Client) -> dict:
    """Everything held on `client`, as plain data (the JSON export and the PDF)."""
    municipality = client.municipality
    cases = list(Case.objects.filter(municipality=municipality, parties__client=client)
                 .select_related("case_type", "department").distinct().order_by("created_at"))
    case_ids = [c.pk for c in cases]
    events: dict[int, list] = {}
    for e in (CaseEvent.objects.filter(municipality=municipality, case_id__in=case_ids)
              .select_related("actor").order_by("at", "id")):
        events.setdefault(e.case_id, []).append({
            "at": _when(e.at), "kind": e.get_kind_display(), "text": e.text,
            "by": _by(e.actor, e.actor_label)})
    roles = dict(client.case_parties.values_list("case_id", "role"))
    return {
        "generated_at": _when(timezone.now()),
        "municipality": {"name": municipality.name, "slug": municipality.slug},
        "client": {**{name: getattr(client, name) for name in _CLIENT_FIELDS},
                   "id": client.pk, "created_at": _when(client.created_at),
                   "updated_at": _when(client.updated_at),
                   "anonymised_at": _when(client.anonymised_at)},
        "contact_points": [
            {"kind": p.kind, "value": p.value, "label": p.label, "failing": p.is_failing,
             "added_at": _when(p.created_at)}
            for p in client.contact_points.order_by("kind", "value")],
        "contact_persons": [
            {"name": p.name, "function": p.function, "email": p.email, "phone": p.phone}
            for p in client.contact_persons.order_by("name")],
        "corrections": [
            {"at": _when(r.at), "by": _by(r.actor, r.actor_label), "changes": r.changes,
             "reason": r.reason}
            for r in client.revisions.select_related("actor").order_by("at", "id")],
        "consents": [
            {"channel": c.channel, "purpose": c.purpose, "given": c.given, "at": _when(c.at),
             "how": c.how, "source": c.source}
            for c in client.consents.order_by("at", "id")],
        "cases": [
            {"registry_number": c.registry_number, "tracking_code": c.tracking_code,
             "subject": c.subject, "description": c.description, "role": roles.get(c.pk, ""),
             "status": c.get_status_display(), "channel": c.get_channel_display(),
             "type": c.case_type.name if c.case_type else "",
             "department": c.department.name if c.department else "",
             "opened_at": _when(c.created_at), "due_at": _when(c.due_at),
             "resolved_at": _when(c.resolved_at), "closed_at": _when(c.closed_at),
             "timeline": events.get(c.pk, [])}
            for c in cases],
        "messages_received": [
            {"at": _when(m.received_at), "channel": m.channel, "from": m.sender,
             "subject": m.subject, "text": m.body_text,
             "case": m.case.registry_number if m.case else ""}
            for m in InboundMessage.objects.filter(municipality=municipality, client=client)
            .select_related("case").order_by("received_at")],
        "messages_sent": [
            {"at": _when(m.created_at), "channel": m.channel, "to": m.recipient,
             "subject": m.subject, "text": m.body_text, "state": m.get_state_display(),
             "case": m.case.registry_number if m.case else ""}
            for m in OutboundMessage.objects.filter(municipality=municipality, client=client)
            .select_related("case").order_by("created_at")],
        "documents": [
            {"filename": d.filename, "content_type": d.content_type, "size": d.blob.size,
             "sha256": d.blob.sha256, "received_at": _when(d.created_at),
             "case": d.case.registry_number if d.case else "", "text": d.text}
            for d in Document.objects.filter(municipality=municipality)
            .filter(Q(client=client) | Q(case_id__in=case_ids))
            .select_related("blob", "case").defer("blob__data").order_by("created_at")],
        "accesses": [
            {"at": _when(r.at), "who": r.actor_name, "role": r.actor.get_role_display(),
             "action": r.get_action_display(), "record": r.get_target_display(),
             "reason": r.reason}
            for r in reversed(reading.accesses_of_client(client, limit=1000))],
    }


def export_client(*, actor, client: Client, reason: str, fmt: str) -> dict:
    """`held_on(client)` for `actor`, recorded as an export with its reason."""
    require(actor, Perm.ANSWER_DATA_REQUESTS)
    if client.municipality_id != actor.municipality.pk:
        raise PermissionDenied("another municipality's client")
    data = held_on(client)
    log.record(actor, log.Action.EXPORT, log.Target.CLIENT, client.pk,
               municipality_id=client.municipality_id, subjects=[client.pk],
               detail=fmt, reason=reason)
    return data


def as_pdf(data: dict) -> bytes:
    """The export as a PDF (WeasyPrint, DejaVu fonts: Serbian Cyrillic and Latin,
    Hungarian)."""
    from weasyprint import HTML

    html = render_to_string("clients/export.html", {"data": data})
    return HTML(string=html).write_pdf()
