"""Where a staff reply goes and which conversation it continues."""

from dataclasses import dataclass

from salter.channels.models import InboundMessage, OutboundMessage
from salter.channels.outbox import angled
from salter.clients.models import ContactPoint

_REPLY_PREFIXES = ("re:", "odg:", "одг:", "fw:", "fwd:", "vá:")


@dataclass(frozen=True)
class ReplyThread:
    subject: str
    inbound: InboundMessage | None
    in_reply_to: str
    references: str


def working_email(client, case=None) -> ContactPoint | None:
    """The client's e-mail address that works: the one they last wrote from in this case
    if it is still theirs and not bouncing, else their newest working address."""
    points = client.contact_points.filter(kind=ContactPoint.Kind.EMAIL, is_failing=False)
    if case is not None:
        last = (case.inbound_messages.filter(client=client).exclude(sender="")
                .order_by("-received_at").first())
        if last is not None:
            used = points.filter(value=last.sender.strip().lower()).first()
            if used is not None:
                return used
    return points.order_by("-created_at", "-pk").first()


def reply_thread(case, client) -> ReplyThread:
    """Answer the client's latest message in the case, carrying the case's message ids
    (theirs and ours, oldest first) as References so any mail program threads it."""
    inbound = (case.inbound_messages.filter(client=client).order_by("-received_at").first())
    base = (inbound.subject if inbound is not None and inbound.subject else case.subject)
    subject = base if base.lower().startswith(_REPLY_PREFIXES) else f"Re: {base}"
    ids = [(m.received_at, angled(m.external_id))
           for m in case.inbound_messages.exclude(external_id="")]
    # Not what the case's requests sent departments: a client's reply naming those would
    # read as the department's answer.
    ids += [(m.created_at, m.external_id) for m in
            OutboundMessage.objects.filter(case=case).exclude(external_id="")
            .exclude(purpose=OutboundMessage.Purpose.REQUEST)]
    references = " ".join(dict.fromkeys(i for _at, i in sorted(ids)))
    in_reply_to = angled(inbound.external_id) if inbound is not None else ""
    return ReplyThread(subject=subject, inbound=inbound, in_reply_to=in_reply_to,
                       references=references)
