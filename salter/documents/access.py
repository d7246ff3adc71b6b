"""Looking up documents for a staff member: their municipality's, and of those tied to a
case only the ones of cases they may open (`Case.objects.visible_to`). Anything else is
the same 404 as a missing id. A document found is recorded in the access log as viewed,
with its client, or its case's clients, as the data subjects (`salter.audit.log`)."""

from django.db.models import Q
from django.http import Http404

from salter.audit import log, subjects
from salter.cases.models import case_visibility
from salter.documents.models import Document
from salter.tenancy.roles import Perm


def documents_visible_to(actor):
    documents = Document.objects.filter(municipality=actor.municipality)
    if actor.can(Perm.VIEW_ALL_CASES):
        return documents
    return documents.filter(Q(case__isnull=True)
                            | (Q(case__isnull=False) & case_visibility(actor, "case")))


def access_document(actor, document_id) -> Document:
    try:
        document = documents_visible_to(actor).select_related("blob").get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    whose = [document.client_id] if document.client_id else (
        subjects.of_case(document.case_id) if document.case_id else [])
    log.record(actor, log.Action.VIEW, log.Target.DOCUMENT, document.pk,
               municipality_id=document.municipality_id, subjects=whose)
    return document
