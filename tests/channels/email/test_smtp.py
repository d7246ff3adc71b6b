"""The SMTP receiver, spoken to by a real smtplib client: 250 means stored."""

import smtplib

import pytest

from salter.channels.email.devservices import free_port
from salter.channels.email.smtp import make_controller
from salter.channels.models import InboundMessage
from salter.documents.storage import read_blob
from tests.factories import make_mailbox

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RAW = (b"From: Jelena Jovanovic <jelena@example.net>\r\nTo: pisarnica@subotica.test\r\n"
       b"Subject: Ulicna rasveta\r\nMessage-ID: <smtp-1@example.net>\r\n\r\n"
       b"Rasveta ne radi.\r\n.Tacka na pocetku reda.\r\n")


@pytest.fixture
def mailbox(municipality):
    return make_mailbox(municipality, "pisarnica@subotica.test", imap_host="127.0.0.1")


@pytest.fixture
def receiver(settings):
    settings.SALTER_MAIL_MAX_MESSAGE_BYTES = 64 * 1024
    port = free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def _send(port, rcpt, raw=RAW):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return client.sendmail("jelena@example.net", rcpt, raw)


def test_250_means_the_exact_bytes_are_stored(receiver, mailbox):
    refused = _send(receiver, ["Pisarnica@Subotica.test"])

    assert refused == {}
    # sendmail has returned: the 250 came, so the row must already be there.
    inbound = InboundMessage.objects.get()
    assert read_blob(inbound.raw) == RAW
    assert (inbound.endpoint, inbound.municipality, inbound.source) == (
        mailbox.endpoint, mailbox.municipality, "smtp")


def test_municipal_address_without_mailbox_is_accepted(receiver, municipality):
    municipality.email = "opstina@subotica.test"
    municipality.save()
    _send(receiver, ["opstina@subotica.test"])
    assert InboundMessage.objects.get().municipality == municipality


def test_unknown_recipient_is_refused_with_550(receiver, mailbox):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(receiver, ["someone@elsewhere.test"])
    code, text = refused.value.recipients["someone@elsewhere.test"]
    assert code == 550 and b"no such mailbox" in text
    assert not InboundMessage.objects.exists()


def test_one_known_recipient_of_two_is_enough(receiver, mailbox):
    refused = _send(receiver, ["pisarnica@subotica.test", "someone@elsewhere.test"])
    assert list(refused) == ["someone@elsewhere.test"]
    assert InboundMessage.objects.count() == 1


def test_oversize_message_gets_552_and_is_not_stored(receiver, mailbox):
    big = RAW + (b"x" * 70 + b"\r\n") * 1024
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as client:
        client.ehlo()
        assert int(client.esmtp_features["size"]) == 64 * 1024
        # Announced size too large: refused at MAIL FROM.
        code, text = client.mail("jelena@example.net", [f"SIZE={len(big)}"])
        assert code == 552, text
        client.rset()
        # Not announced: refused after DATA.
        client.mail("jelena@example.net")
        client.rcpt("pisarnica@subotica.test")
        code, _text = client.data(big)
        assert code == 552
    assert not InboundMessage.objects.exists()


def test_storage_trouble_answers_451_so_the_sender_retries(receiver, mailbox, settings,
                                                           tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 0  # raw bytes go to the blocked file store

    with pytest.raises(smtplib.SMTPDataError) as error:
        _send(receiver, ["pisarnica@subotica.test"])

    assert error.value.smtp_code == 451
    assert not InboundMessage.objects.exists()


def test_the_same_message_forwarded_twice_is_stored_once(receiver, mailbox):
    _send(receiver, ["pisarnica@subotica.test"])
    _send(receiver, ["pisarnica@subotica.test"])
    assert InboundMessage.objects.count() == 1
