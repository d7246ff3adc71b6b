from datetime import datetime

from ninja import Field, Schema


class ClientOut(Schema):
    id: int
    kind: str
    display_name: str
    jmbg: str
    pib: str
    mb: str
    address: str
    place: str
    contacts: list[dict]


class CaseOut(Schema):
    id: int
    registry_number: str
    tracking_code: str
    subject: str
    description: str
    status: str
    priority: int
    channel: str
    department: str | None
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    clients: list[int]


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None = Field(None, description=(
        "Give it as `cursor` for the next page; null on the last page."))


class CaseIn(Schema):
    subject: str
    description: str = ""
    channel: str = "portal"
    client_ids: list[int] = []
    department_id: int | None = None


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    actor: str
    text: str
    before: dict | None
    after: dict | None


class NoteIn(Schema):
    text: str


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
