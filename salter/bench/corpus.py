"""A realistic stream of citizens' mail for `salter bench email`.

What a Vojvodina municipality receives: Serbian in both scripts and Hungarian, in the
charsets old and new mail programs use (UTF-8, windows-1250/1251, ISO-8859-2, KOI8-R),
quoted-printable, base64 and raw 8-bit bodies, RFC 2047 subjects, a tenth with a small
PDF or PNG attached, a fifth continuing an earlier case (registry number in the subject
or In-Reply-To an earlier message), and some auto-replies and bounces. Many senders write
once, some write several times. The stream is seeded: two runs get the same bytes.
"""

import base64
import quopri
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

# (language, charset, text): each text is encodable in its charset without loss.
_TEXTS = (
    ("sr-latn", "utf-8", "Poštovani, u ulici Žarka Zrenjanina ulična rasveta ne radi već "
                         "šest dana. Molim da se kvar otkloni što pre."),
    ("sr-latn", "windows-1250", "Poštovani, ispred zgrade je rupa na putu, duboka i opasna "
                                "za decu. Čekamo da neko dođe i sanira je."),
    ("sr-latn", "iso-8859-2", "Dobar dan, kontejner u Ulici Đure Đakovića nije ispražnjen "
                              "dve nedelje. Smeće se širi po trotoaru."),
    ("sr-cyrl", "utf-8", "Поштовани, тражим информације од јавног значаја о трошковима "
                         "реконструкције градског парка у 2025. години."),
    ("sr-cyrl", "windows-1251", "Поштовани, у нашој улици већ три дана нема воде. Молимо "
                                "хитну интервенцију водовода. Љубазно, станари."),
    ("sr-cyrl", "koi8-r", "Поштовани, молим вас да проверите порез на имовину за наш стан, "
                          "порески рачун до сада не стиже на адресу."),
    ("hu", "utf-8", "Tisztelt Hivatal! A Kossuth utcában hűtőszekrényt dobtak ki a "
                    "kontejner mellé, kérem az elszállítását. Üdvözlettel."),
    ("hu", "iso-8859-2", "Tisztelt Hivatal! Szeretnék érdeklődni a vállalkozói subvencija "
                         "pályázatról, mikor jelenik meg a kiírás?"),
    ("en", "utf-8", "Dear Sir or Madam, the street light on Korzo has been broken for a "
                    "week. Please send someone to repair it."),
)
_SUBJECTS = {
    "sr-latn": ("Prijava kvara", "Žalba na komunalni problem", "Molba za intervenciju",
                "Upit građanina"),
    "sr-cyrl": ("Пријава квара", "Захтев за информације", "Молба за интервенцију"),
    "hu": ("Bejelentés", "Kérdés a hivatalhoz", "Panasz"),
    "en": ("Report of a fault", "Question"),
}
_FIRST = ("Petar", "Jelena", "Marko", "Ana", "Nikola", "Milica", "Dragan", "Snežana",
          "Đorđe", "Ljiljana", "Zoltán", "Erzsébet", "Lajos", "Ivana", "Čedomir")
_LAST = ("Petrović", "Jovanović", "Nikolić", "Kovács", "Szabó", "Đurić", "Šimić",
         "Marković", "Tóth", "Lukić", "Babić", "Horváth", "Savić", "Živković")
_DOMAINS = ("gmail.com", "yahoo.com", "eunet.rs", "mts.rs", "sbb.rs", "hotmail.com",
            "freemail.hu", "ptt.rs")
_ENCODINGS = ("quoted-printable", "base64", "8bit")
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Citizen:
    name: str
    address: str


@dataclass
class Corpus:
    messages: list[bytes] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # new, reply-number, reply-thread, ...


def encoded_word(text: str, charset: str) -> str:
    """RFC 2047 B-encoding in words short enough for one header line each."""
    if text.isascii():
        return text
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"  # the mail program falls back to UTF-8 for the subject
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode(charset)) > 36:
            words.append(chunk)
            chunk = ""
        chunk += ch
    words.append(chunk)
    return " ".join(f"=?{charset}?B?{base64.b64encode(w.encode(charset)).decode()}?="
                    for w in words)


def _body_part(text: str, charset: str, encoding: str) -> tuple[list[str], bytes]:
    try:
        data = text.encode(charset)
    except UnicodeEncodeError:
        charset, data = "utf-8", text.encode("utf-8")
    if encoding == "base64":
        payload = base64.encodebytes(data)
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(data)
    else:
        payload = data + b"\n"
    headers = [f"Content-Type: text/plain; charset={charset}",
               f"Content-Transfer-Encoding: {encoding}"]
    return headers, payload.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _attachment(rng: random.Random) -> tuple[str, str, bytes]:
    if rng.random() < 0.5:
        data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(rng.randint(3000, 20000))
        return "application/pdf", "prijava-fotografija-štete.pdf", data + b"\n%%EOF\n"
    data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2000, 15000))
    return "image/png", "slika_ulice.png", data


def build_message(*, rng: random.Random, citizen: Citizen, subject: str, text: str,
                  charset: str, message_id: str, to: str, date: datetime,
                  in_reply_to: str = "", attachment: bool = False,
                  extra_headers: tuple[str, ...] = ()) -> bytes:
    headers = [
        f"From: {encoded_word(citizen.name, 'utf-8')} <{citizen.address}>",
        f"To: {to}",
        f"Subject: {encoded_word(subject, charset)}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: <{message_id}>",
        "MIME-Version: 1.0",
        *extra_headers,
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    part_headers, body = _body_part(text, charset, rng.choice(_ENCODINGS))
    if not attachment:
        return _lines(headers + part_headers) + b"\r\n\r\n" + body
    boundary = f"----=_Part_{rng.getrandbits(48):x}"
    content_type, filename, data = _attachment(rng)
    quoted = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else
                     "".join(f"%{b:02X}" for b in c.encode()) for c in filename)
    attached = _lines([
        f"Content-Type: {content_type}",
        "Content-Transfer-Encoding: base64",
        f"Content-Disposition: attachment; filename*=utf-8''{quoted}",
    ]) + b"\r\n\r\n" + base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (_lines([*headers, f'Content-Type: multipart/mixed; boundary="{boundary}"'])
            + b"\r\n\r\n" + f"--{boundary}\r\n".encode() + _lines(part_headers)
            + b"\r\n\r\n" + body + f"\r\n--{boundary}\r\n".encode() + attached
            + f"\r\n--{boundary}--\r\n".encode())


def _lines(headers: list[str]) -> bytes:
    return "\r\n".join(headers).encode("ascii")


def _bounce(rng: random.Random, *, to: str, failed: str, message_id: str,
            date: datetime) -> bytes:
    boundary = f"bounce{rng.getrandbits(40):x}"
    return _lines([
        "From: Mail Delivery System <MAILER-DAEMON@mx.eunet.rs>",
        f"To: {to}",
        "Subject: Undelivered Mail Returned to Sender",
        f"Date: {format_datetime(date)}",
        f"Message-ID: <{message_id}>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
    ]) + (f"\r\n\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
          f"I'm sorry to have to inform you that your message could not be delivered.\r\n"
          f"\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
          f"Reporting-MTA: dns; mx.eunet.rs\r\n\r\nFinal-Recipient: rfc822; {failed}\r\n"
          f"Action: failed\r\nStatus: 5.1.1\r\n\r\n--{boundary}--\r\n").encode()


def ascii_local_part(name: str) -> str:
    """petar.petrovic from Petar.Petrović: how people spell their names in addresses."""
    name = name.lower().replace("đ", "dj")
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


class CorpusBuilder:
    """Builds the stream message by message, remembering what earlier messages said so
    that replies can continue them."""

    def __init__(self, *, seed: int, to: str, known: list[tuple[Citizen, str]] = ()):
        self.rng = random.Random(seed)
        self.to = to
        self.known = list(known)  # (citizen, registry number) of cases already open
        self.citizens: list[Citizen] = []
        self.sent: list[tuple[Citizen, str, str]] = []  # (citizen, message id, subject)
        self.corpus = Corpus()

    def build(self, count: int) -> Corpus:
        for index in range(count):
            kind = self._kind()
            raw = getattr(self, f"_{kind.replace('-', '_')}")(index)
            self.corpus.messages.append(raw)
            self.corpus.kinds.append(kind)
        return self.corpus

    def _kind(self) -> str:
        roll = self.rng.random()
        if roll < 0.10 and self.known:
            return "reply-number"
        if roll < 0.20 and self.sent:
            return "reply-thread"
        if roll < 0.23:
            return "auto-reply"
        if roll < 0.24 and self.citizens:
            return "bounce"
        return "new"

    def _citizen(self) -> Citizen:
        if self.citizens and self.rng.random() < 0.15:
            return self.rng.choice(self.citizens)  # a repeat sender with a new matter
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        local = ascii_local_part(f"{first}.{last}")
        citizen = Citizen(f"{first} {last}",
                          f"{local}{len(self.citizens)}@{self.rng.choice(_DOMAINS)}")
        self.citizens.append(citizen)
        return citizen

    def _date(self, index: int) -> datetime:
        return START + timedelta(seconds=37 * index)

    def _message_id(self, index: int, kind: str) -> str:
        return f"{kind}.{index}.{self.rng.getrandbits(32):08x}@bench.example"

    def _new(self, index: int) -> bytes:
        citizen = self._citizen()
        language, charset, text = self.rng.choice(_TEXTS)
        subject = f"{self.rng.choice(_SUBJECTS[language])} {index}"
        message_id = self._message_id(index, "new")
        self.sent.append((citizen, message_id, subject))
        return build_message(rng=self.rng, citizen=citizen, subject=subject, text=text,
                             charset=charset, message_id=message_id, to=self.to,
                             date=self._date(index), attachment=self.rng.random() < 0.10)

    def _reply_number(self, index: int) -> bytes:
        citizen, number = self.rng.choice(self.known)
        _language, charset, text = self.rng.choice(_TEXTS)
        return build_message(rng=self.rng, citizen=citizen, subject=f"Re: [{number}] dopuna",
                             text="Dopuna prijave.\n\n" + text, charset=charset,
                             message_id=self._message_id(index, "renum"), to=self.to,
                             date=self._date(index), attachment=self.rng.random() < 0.10)

    def _reply_thread(self, index: int) -> bytes:
        citizen, parent, subject = self.rng.choice(self.sent)
        _language, charset, text = self.rng.choice(_TEXTS)
        return build_message(rng=self.rng, citizen=citizen, subject=f"Re: {subject}",
                             text=f"Još jedna napomena.\n\n> {text}", charset=charset,
                             message_id=self._message_id(index, "rethread"), to=self.to,
                             date=self._date(index), in_reply_to=parent)

    def _auto_reply(self, index: int) -> bytes:
        citizen = self._citizen()
        return build_message(rng=self.rng, citizen=citizen, subject="Odsutan/Out of office",
                             text="Trenutno sam na godišnjem odmoru.", charset="utf-8",
                             message_id=self._message_id(index, "auto"), to=self.to,
                             date=self._date(index),
                             extra_headers=("Auto-Submitted: auto-replied",))

    def _bounce(self, index: int) -> bytes:
        citizen = self.rng.choice(self.citizens)
        return _bounce(self.rng, to=self.to, failed=citizen.address,
                       message_id=self._message_id(index, "dsn"), date=self._date(index))
