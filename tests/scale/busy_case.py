"""A case with something in every panel of its page: clients with a mobile number and a
STOP, a procedure with deadlines, a request to another department, messages in and out
by e-mail and SMS, documents, notes, assignments and route changes on the timeline, a
parent, children, links and a merged duplicate, and a transfer from another
municipality. `size` repeats what a page lists, so that a page read one row at a time
shows in its statement count."""

import itertools

from salter.cases.actions import (
    add_note,
    assign_case,
    correct_route,
    link_cases,
    merge_cases,
    set_parent_case,
    transfer_case,
)
from salter.cases.models import Channel
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.consent import record_consent
from salter.clients.models import ContactPoint
from salter.documents.models import Blob, Document
from salter.requests.actions import Ask, answer_request, ask_departments
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_procedure
from tests.workspace.conftest import new_case, new_person

_blobs = itertools.count(1)
_cases = itertools.count(1)


def _blob():
    return Blob.objects.create(sha256=f"{next(_blobs):064x}", size=2048)


def busy_case(municipality, *, clerk, officer, admin, department, size=1):
    """The case, after everything above happened to it `size` times (a second one in the
    same test has departments, procedure and numbers of its own)."""
    k = next(_cases)
    other = make_department(municipality, name=f"Odeljenje za urbanizam {k}",
                            registry_unit="IV-05")
    procedure = make_procedure(municipality, name=f"Komunalni problemi {k}",
                               department=department)
    person = new_person(clerk, contacts=[(ContactPoint.Kind.PHONE, f"064 123 45{k:02d}"),
                                         (ContactPoint.Kind.EMAIL, f"jelena{k}@example.rs")])
    business = new_person(clerk, first="Petar", last="Petrović")
    case = new_case(clerk, subject="Rupa na putu", description="Kod broja 12.",
                    department=department, case_type=procedure, clients=[person, business])
    record_consent(actor=clerk, client=person, channel=Channel.SMS, given=False, how="STOP")
    set_parent_case(actor=clerk, case=case, parent=new_case(clerk, subject="Ulica"))
    for n in range(size):
        assign_case(actor=clerk, case=case, assignee=officer.user,
                    department=other if n % 2 else department)
        add_note(actor=clerk, case=case, text=f"Beleška {n}")
        correct_route(actor=officer, case=case, case_type=procedure, department=department)
        child = new_case(clerk, subject=f"Deo {n}", department=department)
        set_parent_case(actor=clerk, case=child, parent=case)
        link_cases(actor=clerk, case=case,
                   other=new_case(clerk, subject=f"Vezan {n}", department=department))
        merge_cases(actor=admin, duplicate=new_case(clerk, subject=f"Duplikat {n}",
                                                    department=department), into=case)
        [request] = ask_departments(actor=clerk, case=case, asks=[Ask(other, f"Pitanje {n}")])
        if n + 1 < size:  # the last one still waits for its answer
            answer_request(actor=clerk, request=request, text=f"Odgovor {n}")
        _messages(municipality, case, person, f"{k}-{n}")
        Document.objects.create(municipality=municipality, blob=_blob(),
                                filename=f"prilog-{n}.pdf", case=case, client=person)
    return case


def _messages(municipality, case, person, n):
    points = {point.kind: point.value for point in person.contact_points.all()}
    phone, email = points[ContactPoint.Kind.PHONE], points[ContactPoint.Kind.EMAIL]
    for channel, sender in ((Channel.EMAIL, email), (Channel.SMS, phone)):
        raw = _blob()
        InboundMessage.objects.create(
            municipality=municipality, channel=channel, idempotency_key=f"{channel}-{n}",
            sha256=raw.sha256, raw=raw, sender=sender, subject=f"Poruka {n}",
            body_text=f"Molim vas {n}", case=case, client=person)
        OutboundMessage.objects.create(
            municipality=municipality, channel=channel, case=case, client=person,
            recipient=sender, subject=f"Re: Poruka {n}", body_text=f"Primljeno {n}")


def transferred_case(municipality, other_municipality, *, clerk, department):
    """A case that came from another municipality, given to `department`: its page names
    where it came from."""
    sender = make_member(other_municipality, Role.ADMIN, username="posiljalac")
    away = new_case(sender, subject="Tuđi predmet",
                    clients=[new_person(sender, first="Ana", last="Anić")])
    transfer = transfer_case(actor=sender, case=away, to=municipality,
                             note="Pripada vama.")
    return assign_case(actor=clerk, case=transfer.to_case, department=department)
