"""Cases (predmeti), their parties and links, and the append-only timeline."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models import When as _When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.cases.workflow import OPEN_STATUSES, Status
from salter.clients.models import Client
from salter.procedures.models import CaseType
from salter.tenancy.models import Department, Language, Municipality
from salter.tenancy.roles import Perm

# Crockford-like alphabet without look-alikes (0/O, 1/I/L), easy to read over the phone.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 10  # 31**10 ≈ 8·10^14: not guessable by enumeration
# Where a case without a running deadline sorts in "by due date": after every dated one.
# A literal in the generated column's definition (SQLite keeps datetimes as this text).
NO_DEADLINE_SORT = "9999-12-31 00:00:00"


def new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    SMS = "sms", _("SMS")
    REGISTRY = "registry", _("Registry office")
    PORTAL = "portal", _("Web portal")
    VOICEMAIL = "voicemail", _("Voicemail")
    COUNTER = "counter", _("In person")


class Priority(models.IntegerChoices):
    LOW = 10, _("Low")
    NORMAL = 20, _("Normal")
    HIGH = 30, _("High")
    URGENT = 40, _("Urgent")


def case_visibility(actor, through: str = "") -> Q:
    """The role's part of which cases the actor may see, as a condition on the case's own
    columns — or, with `through` (e.g. "case"), on the case a row points at, which the
    database reaches by that row's foreign key and the case's primary key. Never a list
    or subquery of every visible case: for a municipality's 200,000 cases that list was
    built again on every page (decision 17). Empty for the roles that see every case: the
    caller's municipality filter is then all there is. The municipality itself is the
    caller's to filter, on its own rows."""
    if actor.can(Perm.VIEW_ALL_CASES):
        return Q()
    prefix = f"{through}__" if through else ""
    department = getattr(actor, "department", None)
    scope = Q(**{f"{prefix}assignee": actor.user})
    if department is not None:
        scope |= Q(**{f"{prefix}department": department})
    return scope


class CaseQuerySet(models.QuerySet):
    def visible_to(self, actor):
        """Cases the actor may see: all of the municipality, or their department's and
        their own. This is the only entrance for lists and detail look-ups."""
        return self.filter(case_visibility(actor), municipality=actor.municipality)

    def open(self):
        # `open_flag` rather than `status IN (…)`: the queues' indexes lead with it, and an
        # IN list of five statuses cannot give rows in an index's order. Written as
        # "open_flag = true": Django writes `open_flag=True` as the bare column, which
        # SQLite does not match to an index.
        return self.filter(Exact(F("open_flag"), Value(True)))

    def overdue(self, now=None):
        return self.open().filter(due_sort__lt=now or timezone.now())


class Case(models.Model):
    # Indexed by the composite indexes and constraints below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="cases",
                                     db_index=False)
    registry_number = models.CharField(_("registry number"), max_length=60)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True,
                                     default=new_tracking_code, editable=False)
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    case_type = models.ForeignKey(CaseType, on_delete=models.PROTECT, null=True, blank=True,
                                  verbose_name=_("type"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   verbose_name=_("department"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="assigned_cases",
                                 verbose_name=_("assignee"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices,
                                                default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NEW)
    location = models.CharField(_("location"), max_length=200, blank=True,
                                help_text=_("Where the matter is: settlement, street."))
    language = models.CharField(_("language of replies"), max_length=10,
                                choices=Language.choices, default=Language.SR_LATN)
    clients = models.ManyToManyField(Client, through="CaseParty", related_name="cases")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent case"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_cases")
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Kept by the database from `status` and `due_at`, for the lists' indexes: whether
    # the case is open, and the due date with undated cases last, so that "by due date"
    # is an index scan with no sort (decision 17).
    open_flag = models.GeneratedField(
        expression=models.Case(_When(status__in=sorted(OPEN_STATUSES), then=Value(True)),
                               default=Value(False), output_field=models.BooleanField()),
        output_field=models.BooleanField(), db_persist=True)
    due_sort = models.GeneratedField(
        expression=Coalesce("due_at", Value(NO_DEADLINE_SORT),
                            output_field=models.DateTimeField()),
        output_field=models.DateTimeField(), db_persist=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year", "sequence"],
                                    name="case_unique_sequence"),
            models.UniqueConstraint(fields=["municipality", "registry_number"],
                                    name="case_unique_registry_number"),
        ]
        # Each list's filter, then its order, ending in the key (`salter.paging`):
        indexes = [
            models.Index(fields=["municipality", "status", "due_at"]),
            models.Index(fields=["municipality", "assignee", "status"]),
            models.Index(fields=["municipality", "department", "status"]),
            # "All cases" and the API, newest first (also of one status); by due date;
            # by priority.
            models.Index(fields=["municipality", "-created_at", "-id"],
                         name="case_newest"),
            models.Index(fields=["municipality", "status", "-created_at", "-id"],
                         name="case_status_newest"),
            models.Index(fields=["municipality", "due_sort", "-priority", "created_at", "id"],
                         name="case_by_due"),
            models.Index(fields=["municipality", "-priority", "due_sort", "created_at", "id"],
                         name="case_by_priority"),
            # The open queues: everyone's (overdue), by assignee (mine, unassigned), by
            # department, each by due date; and any of them by priority (the open cases
            # are a backlog, not the archive: a walk past the other queues' open cases
            # stays as long as the backlog, where `case_by_priority` walked every closed
            # case of higher priority too).
            models.Index(fields=["municipality", "open_flag", "due_sort", "-priority",
                                 "created_at", "id"], name="case_open_by_due"),
            models.Index(fields=["municipality", "open_flag", "-priority", "due_sort",
                                 "created_at", "id"], name="case_open_by_priority"),
            models.Index(fields=["municipality", "open_flag", "assignee", "due_sort",
                                 "-priority", "created_at", "id"],
                         name="case_open_assignee_by_due"),
            models.Index(fields=["municipality", "open_flag", "department", "due_sort",
                                 "-priority", "created_at", "id"],
                         name="case_open_department_by_due"),
            # Children and merged cases on the case page. Partial: nearly every case has
            # neither, and on a full index SQLite's statistics count all those NULLs as one
            # value, judge the index useless and scan the table.
            models.Index(fields=["municipality", "parent"], name="case_children",
                         condition=Q(parent__isnull=False)),
            models.Index(fields=["municipality", "merged_into"], name="case_merged",
                         condition=Q(merged_into__isnull=False)),
            # The dashboards' daily figures: the cases resolved on a day.
            models.Index(fields=["municipality", "resolved_at"], name="case_resolved_on_day"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.registry_number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class CaseParty(models.Model):
    class Role(models.TextChoices):
        SUBMITTER = "submitter", _("Submitter")
        PARTY = "party", _("Party")

    # Indexed by the composite index and constraint below, which lead with them.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties",
                             db_index=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="case_parties")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SUBMITTER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "client"], name="case_party_unique"),
        ]
        indexes = [models.Index(fields=["municipality", "client"])]


class CaseLink(models.Model):
    """A 'related to' link between two cases; parent/child and merges have their own fields."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_case", "to_case"], name="case_link_unique"),
        ]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the case timeline is append-only")

    def delete(self):
        raise TypeError("the case timeline is append-only")


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when, with the values before/after.

    Rows are written by actions inside their transaction and never changed.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Case opened")
        NOTE = "note", _("Internal note")
        ASSIGNED = "assigned", _("Assigned")
        STATUS = "status", _("Status changed")
        UPDATED = "updated", _("Details changed")
        CLIENT_LINKED = "client_linked", _("Client linked")
        CLIENT_UNLINKED = "client_unlinked", _("Client removed")
        CASE_LINKED = "case_linked", _("Cases linked")
        PARENT_SET = "parent_set", _("Parent case set")
        MERGED = "merged", _("Merged")
        CLIENT_MERGED = "client_merged", _("Client merged")
        MESSAGE_IN = "message_in", _("Message received")
        MESSAGE_OUT = "message_out", _("Message to the client")
        DELIVERY = "delivery", _("Delivery state")
        DOCUMENT = "document", _("Document added")
        DEADLINE = "deadline", _("Deadline")
        ROUTED = "routed", _("Route corrected")
        TRANSFERRED = "transferred", _("Transferred")
        REQUEST_SENT = "request_sent", _("Request for a response")
        REQUEST_ANSWERED = "request_answered", _("Response to a request")
        REQUEST_WITHDRAWN = "request_withdrawn", _("Request withdrawn")
        REMINDER = "reminder", _("Reminder")
        ESCALATED = "escalated", _("Escalated")

    # Indexed by the composite index below, which leads with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)  # e.g. "intake:email"
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # Optional pointers into other apps (message, document) by id, to keep apps decoupled.
    ref = models.JSONField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["municipality", "case", "at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the case timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the case timeline is append-only")


class CaseTransfer(models.Model):
    """A case sent to the municipality competent for it: the sending side keeps its case
    closed as a stub, the receiving side has a case of its own with its own registry
    number. Each side reads only its own half (filtered by its municipality); the other
    side is named by its municipality's name and the number it gave, copied here, so
    that nothing of the other municipality is ever read through a transfer. `path` holds
    the municipalities the matter has passed through, to refuse sending it round in
    circles."""

    from_municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT,
                                          related_name="+")
    from_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    from_number = models.CharField(max_length=60)
    to_municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT,
                                        related_name="+")
    to_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    to_number = models.CharField(max_length=60)
    note = models.TextField()
    path = models.JSONField(default=list)  # municipality ids, oldest first, the sender last
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["from_municipality", "from_case"]),
                   models.Index(fields=["to_municipality", "to_case"])]
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
