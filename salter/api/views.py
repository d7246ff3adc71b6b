"""REST API v1 (OpenAPI at /api/v1/docs). Every route is under the municipality's slug
and sees only what the caller's membership sees; another municipality's ids are 404."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.db.models import prefetch_related_objects
from ninja import NinjaAPI, Query, Status

from salter import paging, search
from salter.api.auth import AUTH, actor_for
from salter.api.schemas import CaseIn, CaseOut, CasePage, ClientOut, ErrorOut, EventOut, NoteIn
from salter.cases import actions
from salter.cases.access import access_case
from salter.cases.models import Case, Channel
from salter.clients.access import access_client
from salter.paging import Key
from salter.tenancy.models import Department
from salter.web.timeouts import is_statement_timeout, statement_timeout_response

api = NinjaAPI(title="Šalter API", version="1", urls_namespace="api", auth=AUTH)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "invalid input", "errors": errors},
                               status=400)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "not allowed"}, status=403)


@api.exception_handler(OperationalError)
def database_stopped(request, exc):
    # A statement stopped by the request's time budget is the caller's to retry; any
    # other database failure stays a 500, logged like every unhandled error.
    if is_statement_timeout(request, exc):
        return statement_timeout_response(request)
    raise exc


def _case_out(case: Case) -> dict:
    return {
        "id": case.pk, "registry_number": case.registry_number,
        "tracking_code": case.tracking_code, "subject": case.subject,
        "description": case.description, "status": case.status, "priority": case.priority,
        "channel": case.channel,
        "department": case.department.name if case.department else None,
        "assignee": case.assignee.get_username() if case.assignee else None,
        "created_at": case.created_at, "due_at": case.due_at,
        "clients": [c.pk for c in case.clients.all()],
    }


API_PAGE_LIMIT = 100
API_PAGE_DEFAULT = 25
# Newest first, the key last: the order of the `case_newest` index.
NEWEST = (Key("created_at", descending=True, moment=True), Key("id", descending=True))


@api.get("/{municipality}/cases", response={200: CasePage, 400: ErrorOut}, tags=["cases"])
def list_cases(request, municipality: str, status: str | None = None,
               q: str | None = Query(None, description=(
                   "Search as staff do: registry number, tracking code, a client's name "
                   "in either script, telephone or e-mail address; at most "
                   f"{search.MAX_QUERY_LENGTH} characters and {search.MAX_TERMS} words.")),
               limit: int = Query(API_PAGE_DEFAULT, description=(
                   f"Cases per page, 1 to {API_PAGE_LIMIT}.")),
               cursor: str | None = Query(None, description=(
                   "Where the page starts: the `next` of the page before.")),
               offset: int = Query(0, description=(
                   f"Cases to skip, at most {paging.MAX_OFFSET}; for more, follow `next`."))):
    """Cases newest first (with `q`: best match first), one page at a time. A page is
    read from the index at its cursor, so every page costs what the first does."""
    actor = actor_for(request, municipality)
    # `q` finds what the staff search finds: numbers, names in either script, a client's
    # telephone or e-mail address; a query longer than a search may be is a 400.
    if q:
        try:
            search.check_query(q)
        except ValidationError as exc:
            raise ValidationError({"q": exc.messages}) from None
    if not 1 <= limit <= API_PAGE_LIMIT:
        raise ValidationError({"limit": [f"between 1 and {API_PAGE_LIMIT}"]})
    try:
        offset = paging.bounded_offset(offset)
    except ValueError:
        raise ValidationError({"offset": [
            f"at most {paging.MAX_OFFSET}; follow `next` for further pages"]}) from None
    searched = bool(q and q.strip())
    keys = search.RANKED if searched else NEWEST

    def narrow(rows):
        rows = rows.filter(status=status) if status else rows
        return rows.select_related("department", "assignee")

    if offset and not cursor:
        cases = search.search_cases(actor, q) if searched else search.list_cases(actor)
        cursor = _cursor_at(narrow(cases).order_by(*(k.expression() for k in keys)), keys,
                            offset)
        if cursor is None:
            return {"items": [], "next": None}
    try:
        if searched:
            # A rank at a time: a page that a frequent name's own cases fill reads none
            # of the messages it is also written in.
            page = search.search_case_ranks(actor, q).narrow(narrow).page(cursor, limit)
        else:
            page = paging.keyset_page(narrow(search.list_cases(actor)), keys, cursor, limit)
    except paging.BadCursor:
        raise ValidationError({"cursor": ["not a cursor this list gave"]}) from None
    prefetch_related_objects(page.rows, "clients")
    return {"items": [_case_out(c) for c in page.rows], "next": page.next_cursor}


def _cursor_at(cases, keys, offset: int) -> str | None:
    """The cursor after the `offset`-th case (bounded by MAX_OFFSET), from its values
    alone (the case is not read, so not recorded as listed)."""
    found = list(cases.values_list(*(k.name for k in keys))[offset - 1:offset])
    return paging.encode_values(keys, found[0]) if found else None


@api.post("/{municipality}/cases", response={201: CaseOut, 400: ErrorOut, 403: ErrorOut},
          tags=["cases"])
def create_case(request, municipality: str, payload: CaseIn):
    actor = actor_for(request, municipality)
    if payload.channel not in Channel.values:
        raise ValidationError({"channel": [f"one of {', '.join(Channel.values)}"]})
    clients = [access_client(actor, pk) for pk in payload.client_ids]
    department = None
    if payload.department_id is not None:
        department = Department.objects.filter(municipality=actor.municipality,
                                               pk=payload.department_id).first()
        if department is None:
            raise ValidationError({"department_id": ["unknown department"]})
    with transaction.atomic():
        case = actions.create_case(actor=actor, subject=payload.subject,
                                   description=payload.description, channel=payload.channel,
                                   clients=clients, department=department)
    return Status(201, _case_out(case))


@api.get("/{municipality}/cases/{case_id}", response=CaseOut, tags=["cases"])
def get_case(request, municipality: str, case_id: int):
    return _case_out(access_case(actor_for(request, municipality), case_id))


@api.get("/{municipality}/cases/{case_id}/events", response=list[EventOut], tags=["cases"])
def case_events(request, municipality: str, case_id: int):
    case = access_case(actor_for(request, municipality), case_id)
    return [
        {"id": e.pk, "kind": e.kind, "at": e.at, "text": e.text, "before": e.before,
         "after": e.after, "actor": e.actor.get_username() if e.actor else e.actor_label}
        for e in case.events.select_related("actor")
    ]


@api.post("/{municipality}/cases/{case_id}/notes", response={201: EventOut, 400: ErrorOut,
                                                            403: ErrorOut}, tags=["cases"])
def add_note(request, municipality: str, case_id: int, payload: NoteIn):
    actor = actor_for(request, municipality)
    case = access_case(actor, case_id)
    event = actions.add_note(actor=actor, case=case, text=payload.text)
    return Status(201, {"id": event.pk, "kind": event.kind, "at": event.at, "text": event.text,
                        "before": None, "after": None,
                        "actor": request.auth.get_username()})


@api.get("/{municipality}/clients/{client_id}", response=ClientOut, tags=["clients"])
def get_client(request, municipality: str, client_id: int):
    actor = actor_for(request, municipality)
    client = access_client(actor, client_id)
    return {
        "id": client.pk, "kind": client.kind, "display_name": client.display_name,
        "jmbg": client.jmbg, "pib": client.pib, "mb": client.mb, "address": client.address,
        "place": client.place,
        "contacts": [{"kind": p.kind, "value": p.value, "failing": p.is_failing}
                     for p in client.contact_points.all()],
    }
