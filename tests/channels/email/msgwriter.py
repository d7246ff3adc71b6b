"""Outlook .msg files for tests, written from scratch.

Two layers. `compound_file` writes an OLE2 compound file (MS-CFB version 3: 512-byte
sectors, one FAT listed in the header, streams under 4096 bytes in the mini stream) from
nested dicts, a dict being a storage and bytes a stream. `build_msg` lays out a message in
it the way Outlook does (MS-OXMSG): fixed-size properties in `__properties_version1.0`,
each string or binary value in a `__substg1.0_IIIITTTT` stream, recipients and
attachments in sub-storages, an attached message as a whole message inside its
attachment. Tests can also damage the result on purpose.

The output was checked once against an independent .msg reader (extract-msg, installed
in a throwaway environment, not a dependency of Šalter): it read back the subject, the
sender, the body and the attachments of these files.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.channels.email.corpus import SERBIAN_LATIN

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

PT_SHORT, PT_LONG, PT_BOOLEAN, PT_OBJECT = 0x0002, 0x0003, 0x000B, 0x000D
PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_BINARY = 0x001E, 0x001F, 0x0040, 0x0102
STORE_UNICODE_OK = 0x00040000


# --- the compound file ------------------------------------------------------------------


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    kids: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\x00\x00"
        assert len(name) <= 64, self.name
        start = self.start if self.kind != STORAGE else 0
        return struct.pack("<64sHBBIII16sIQQIQ", name, len(name), self.kind, 1, self.left,
                           self.right, self.child, bytes(16), 0, 0, 0, start, self.size)


_UNUSED = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                      bytes(16), 0, 0, 0, 0, 0)


def compound_file(tree: dict) -> bytes:
    """An OLE2 compound file holding `tree` ({name: bytes or {…}})."""
    entries = [_Entry("Root Entry", ROOT)]
    _add_children(entries, 0, tree)
    for entry in entries:
        entry.child = _sibling_tree(entries, entry.kids)
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        start = len(sectors)
        count = -(-len(data) // SECTOR)
        for index in range(count):
            sectors.append(data[index * SECTOR:(index + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(start + index + 1 if index < count - 1 else ENDOFCHAIN)
        return start

    mini, mini_fat = bytearray(), []
    for entry in entries:
        if entry.kind != STREAM:
            continue
        entry.size = len(entry.data)
        if entry.size >= MINI_CUTOFF:
            entry.start = place(entry.data)
        elif entry.size:
            entry.start = len(mini) // MINI_SECTOR
            count = -(-entry.size // MINI_SECTOR)
            mini_fat.extend(entry.start + i + 1 if i < count - 1 else ENDOFCHAIN
                            for i in range(count))
            mini += entry.data.ljust(count * MINI_SECTOR, b"\x00")
    entries[0].start, entries[0].size = place(bytes(mini)), len(mini)
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_start = place(mini_fat_bytes.ljust(-(-len(mini_fat_bytes) // SECTOR) * SECTOR,
                                                b"\xff"))
    directory = b"".join(entry.pack() for entry in entries)
    directory += _UNUSED * (-len(entries) % (SECTOR // 128))
    directory_start = place(directory)
    fat_count = 1
    while fat_count * (SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    assert fat_count <= 109, "this writer has no DIFAT: keep test files under 7 MB"
    fat_start = len(sectors)
    fat.extend([FATSECT] * fat_count)
    fat.extend([FREESECT] * (fat_count * (SECTOR // 4) - len(fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for index in range(fat_count):
        sectors.append(fat_bytes[index * SECTOR:(index + 1) * SECTOR])
    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = MAGIC + bytes(16) + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x003E, 3, 0xFFFE, 9, 6, bytes(6), 0, fat_count, directory_start,
        0, MINI_CUTOFF, mini_fat_start if mini_fat else ENDOFCHAIN,
        -(-len(mini_fat_bytes) // SECTOR), ENDOFCHAIN, 0,
    ) + struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _add_children(entries: list[_Entry], parent: int, tree: dict) -> None:
    for name, value in tree.items():
        index = len(entries)
        if isinstance(value, dict):
            entries.append(_Entry(name, STORAGE))
            _add_children(entries, index, value)
        else:
            entries.append(_Entry(name, STREAM, bytes(value)))
        entries[parent].kids.append(index)


def _sibling_tree(entries: list[_Entry], kids: list[int]) -> int:
    """A balanced binary search tree of the siblings, in the order MS-CFB compares names
    (shorter first, then by upper case); its root index."""
    ordered = sorted(kids, key=lambda i: (len(entries[i].name), entries[i].name.upper()))

    def build(ids: list[int]) -> int:
        if not ids:
            return NOSTREAM
        middle = len(ids) // 2
        node = entries[ids[middle]]
        node.left, node.right = build(ids[:middle]), build(ids[middle + 1:])
        return ids[middle]

    return build(ordered)


# --- the message --------------------------------------------------------------------------


@dataclass
class MsgRecipient:
    name: str
    address: str
    kind: int = 1  # 1 To, 2 Cc, 3 Bcc
    addrtype: str = "SMTP"
    smtp_address: str | None = None


@dataclass
class MsgAttachment:
    data: bytes = b""
    long_filename: str | None = None
    filename: str | None = None  # the 8.3 name
    mime_tag: str | None = None
    content_id: str | None = None
    display_name: str | None = None
    embedded: MsgMessage | None = None  # an attached message instead of data


@dataclass
class MsgMessage:
    subject: str | None = "Zahtev za odvoz kabastog otpada"
    sender_name: str | None = "Marko Petrović"
    sender_address: str | None = "marko.petrovic@example.net"
    sender_addrtype: str = "SMTP"
    sender_smtp_address: str | None = None  # PR_SENDER_SMTP_ADDRESS, for "EX" senders
    body: str | None = SERBIAN_LATIN
    html: bytes | str | None = None  # bytes: PT_BINARY (as Outlook writes it); str: PT_UNICODE
    rtf: bytes | None = None  # PR_RTF_COMPRESSED, stored as given
    recipients: list[MsgRecipient] = field(
        default_factory=lambda: [MsgRecipient("Pisarnica", "pisarnica@subotica.rs")])
    display_to: str | None = None
    sent: datetime | None = datetime(2024, 2, 5, 9, 15, tzinfo=UTC)
    message_id: str | None = "<20240205101500.1234@example.net>"
    in_reply_to: str | None = None
    references: str | None = None
    transport_headers: str | None = None
    attachments: list[MsgAttachment] = field(default_factory=list)
    unicode: bool = True  # strings in PT_UNICODE; else PT_STRING8 in `codepage`
    codepage: int | None = None  # PR_MESSAGE_CODEPAGE
    internet_cpid: int | None = None  # PR_INTERNET_CPID
    message_class: str = "IPM.Note"


def build_msg(message: MsgMessage) -> bytes:
    return compound_file(message_tree(message))


def message_tree(message: MsgMessage, *, embedded: bool = False) -> dict:
    """The storages and streams of one message, as compound_file takes them."""
    codec = f"cp{message.codepage}" if message.codepage else "cp1252"
    props = _Props(unicode=message.unicode, codec=codec)
    props.string(0x001A, message.message_class)
    if message.unicode:
        props.long(0x340D, STORE_UNICODE_OK)  # PR_STORE_SUPPORT_MASK: strings are Unicode
    if message.codepage:
        props.long(0x3FFD, message.codepage)
    if message.internet_cpid:
        props.long(0x3FDE, message.internet_cpid)
    props.string(0x0037, message.subject)
    props.string(0x0E1D, message.subject)  # PR_NORMALIZED_SUBJECT
    for name_id, type_id, address_id, smtp_id in ((0x0C1A, 0x0C1E, 0x0C1F, 0x5D01),
                                                  (0x0042, 0x0064, 0x0065, 0x5D02)):
        props.string(name_id, message.sender_name)
        props.string(type_id, message.sender_addrtype if message.sender_address else None)
        props.string(address_id, message.sender_address)
        props.string(smtp_id, message.sender_smtp_address)
    props.string(0x0E04, message.display_to if message.display_to is not None else "; ".join(
        r.name for r in message.recipients if r.kind == 1))
    props.string(0x1000, message.body)
    if isinstance(message.html, bytes):
        props.binary(0x1013, message.html)
    else:
        props.string(0x1013, message.html)
    props.binary(0x1009, message.rtf)
    props.time(0x0039, message.sent)
    props.time(0x0E06, message.sent)
    props.string(0x1035, message.message_id)
    props.string(0x1042, message.in_reply_to)
    props.string(0x1039, message.references)
    props.string(0x007D, message.transport_headers)
    tree: dict = {}
    if not embedded:
        tree["__nameid_version1.0"] = {f"__substg1.0_000{i}0102": b"" for i in (2, 3, 4)}
    for number, recipient in enumerate(message.recipients):
        tree[f"__recip_version1.0_#{number:08X}"] = _recipient_tree(recipient, message, codec)
    for number, attachment in enumerate(message.attachments):
        tree[f"__attach_version1.0_#{number:08X}"] = _attachment_tree(attachment, message,
                                                                      codec)
    counts = struct.pack("<IIII", len(message.recipients), len(message.attachments),
                         len(message.recipients), len(message.attachments))
    header = bytes(8) + counts + (b"" if embedded else bytes(8))
    tree.update(props.streams(header))
    return tree


def _recipient_tree(recipient: MsgRecipient, message: MsgMessage, codec: str) -> dict:
    props = _Props(unicode=message.unicode, codec=codec)
    props.long(0x0C15, recipient.kind)
    props.string(0x3001, recipient.name)
    props.string(0x3002, recipient.addrtype)
    props.string(0x3003, recipient.address)
    props.string(0x39FE, recipient.smtp_address)
    return props.streams(bytes(8))


def _attachment_tree(attachment: MsgAttachment, message: MsgMessage, codec: str) -> dict:
    props = _Props(unicode=message.unicode, codec=codec)
    props.string(0x3707, attachment.long_filename)
    props.string(0x3704, attachment.filename)
    props.string(0x3001, attachment.display_name)
    props.string(0x370E, attachment.mime_tag)
    props.string(0x3712, attachment.content_id)
    tree = {}
    if attachment.embedded is not None:
        props.long(0x3705, 5)
        props.entries.append((0x3701, PT_OBJECT, struct.pack("<II", 0xFFFFFFFF, 0)))
        tree["__substg1.0_3701000D"] = message_tree(attachment.embedded, embedded=True)
    else:
        props.long(0x3705, 1)
        props.binary(0x3701, attachment.data)
        props.long(0x0E20, len(attachment.data))  # PR_ATTACH_SIZE
    tree.update(props.streams(bytes(8)))
    return tree


class _Props:
    """Property entries of one object and the streams of its variable-size values."""

    def __init__(self, *, unicode: bool, codec: str) -> None:
        self.unicode = unicode
        self.codec = codec
        self.entries: list[tuple[int, int, bytes]] = []  # (id, type, 8 value bytes)
        self.values: dict[str, bytes] = {}

    def string(self, prop: int, value: str | None) -> None:
        if value is None:
            return
        if self.unicode:
            data, prop_type, terminator = value.encode("utf-16-le"), PT_UNICODE, 2
        else:
            data, prop_type, terminator = value.encode(self.codec), PT_STRING8, 1
        self._variable(prop, prop_type, data, len(data) + terminator)

    def binary(self, prop: int, value: bytes | None) -> None:
        if value is not None:
            self._variable(prop, PT_BINARY, value, len(value))

    def long(self, prop: int, value: int) -> None:
        self.entries.append((prop, PT_LONG, struct.pack("<I4x", value)))

    def time(self, prop: int, value: datetime | None) -> None:
        if value is not None:
            ticks = int((value - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10**7)
            self.entries.append((prop, PT_SYSTIME, struct.pack("<Q", ticks)))

    def _variable(self, prop: int, prop_type: int, data: bytes, size: int) -> None:
        self.values[f"__substg1.0_{prop:04X}{prop_type:04X}"] = data
        self.entries.append((prop, prop_type, struct.pack("<II", size, 0)))

    def streams(self, header: bytes) -> dict[str, bytes]:
        table = b"".join(struct.pack("<II", prop << 16 | prop_type, 0x06) + value
                         for prop, prop_type, value in self.entries)
        return {**self.values, "__properties_version1.0": header + table}


def uncompressed_rtf(rtf: bytes) -> bytes:
    """PR_RTF_COMPRESSED holding `rtf` stored, not compressed (MS-OXRTFCP type "MELA")."""
    return struct.pack("<II4sI", len(rtf) + 12, len(rtf), b"MELA", 0) + rtf


def word_document() -> bytes:
    """An OLE2 file that is not a message, laid out like a Word .doc."""
    return compound_file({
        "\x01CompObj": b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + bytes(60),
        "\x05SummaryInformation": b"\xfe\xff\x00\x00" + bytes(200),
        "1Table": bytes(5000),
        "WordDocument": b"\xec\xa5\xc1\x00" + bytes(6000),
    })
