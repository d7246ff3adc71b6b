"""Demo mail: a few citizens' e-mails to each pilot municipality, taken in by the real
intake (accept, adapter, decide, apply), so that a new user finds cases that e-mail
opened, a message forwarded by a clerk, a reply waiting for review, and, under "Sent
mail", the acknowledgements the citizens got (the demo's mail sink keeps them)."""

from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from salter.channels.email.accept import accept_emails
from salter.intake.pipeline import process_batch

_LETTERS = [
    ("Jovana Marković", "jovana.markovic@example.net", "Ne radi ulična rasveta",
     "Poštovani,\n\nu Ulici Žarka Zrenjanina ne radi ulična rasveta već nedelju dana. "
     "Molim vas da pošaljete ekipu.\n\nS poštovanjem,\nJovana Marković"),
    ("Милан Јовановић", "milan.jovanovic@example.net", "Рупа на путу",
     "Поштовани,\n\nу Улици краља Петра Првог је велика рупа на коловозу, опасна за "
     "бициклисте. Молим да се санира.\n\nХвала,\nМилан Јовановић"),
    ("Kovács Erzsébet", "kovacs.erzsebet@example.hu", "Szemétszállítás elmaradt",
     "Tisztelt Önkormányzat!\n\nA Petőfi utcában két hete nem szállították el a szemetet. "
     "Kérem, intézkedjenek.\n\nÜdvözlettel:\nKovács Erzsébet"),
]
_FORWARDED = ("Dragan Ilić", "dragan.ilic@example.net", "Prijava buke",
              "Poštovani,\n\nu kafiću preko puta škole svake noći je glasna muzika posle "
              "ponoći. Molim za inspekcijski nadzor.\n\nDragan Ilić")


def _mail(*, name: str, address: str, to: str, subject: str, body: str, message_id: str,
          when, attachment: bytes | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{name} <{address}>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = message_id
    mail.set_content(body)
    if attachment is not None:
        mail.add_attachment(attachment, maintype="message", subtype="rfc822",
                            filename="prijava.eml")
    return mail.as_bytes()


def demo_mail(municipality, *, clerk_address: str, reply_to_case) -> dict[int, str]:
    """Take the demo's e-mails in for `municipality`; {message id: outcome}. The same
    bytes every time, so that running the demo again stores nothing twice."""
    to = municipality.email
    slug = municipality.slug
    when = timezone.now().replace(hour=9, minute=30, second=0, microsecond=0)
    raws = [_mail(name=name, address=address, to=to, subject=subject, body=body,
                  message_id=f"<demo-{slug}-{i}@example.net>", when=when)
            for i, (name, address, subject, body) in enumerate(_LETTERS)]
    name, address, subject, body = _FORWARDED
    original = _mail(name=name, address=address, to=clerk_address, subject=subject,
                     body=body, message_id=f"<demo-{slug}-forwarded@example.net>", when=when)
    raws.append(_mail(name="Pisarnica", address=clerk_address, to=to,
                      subject=f"Fwd: {subject}", body="Prosleđujem prijavu građanina.",
                      message_id=f"<demo-{slug}-forward@{slug}.example>", when=when,
                      attachment=original))
    if reply_to_case is not None:
        # Someone who is not a party writes into a case: it waits for review.
        raws.append(_mail(name="Nepoznati Pošiljalac", address="nepoznati@example.org",
                          to=to, subject=f"Re: {reply_to_case.registry_number}",
                          body="Imam i ja isti problem.", when=when,
                          message_id=f"<demo-{slug}-stranger@example.org>"))
    accepted = accept_emails(municipality=municipality, raws=raws, source="demo",
                             enqueue=False)
    return process_batch([a.inbound.pk for a in accepted if a.created])
