"""Opening a document from the case page or the client's history: the bytes as they
were received, shown in the browser only where nothing in them can run, never cached,
and only to members who may see the case."""

import pytest
from django.utils import timezone

from salter.documents.models import Document
from salter.documents.storage import store_bytes
from tests.workspace.conftest import new_case, new_person, url

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% zahtev za gradjevinsku dozvolu\n"
PHOTO = b"\xff\xd8\xff\xe0 fotografija rupe na putu"
PAGE = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def case(clerk):
    return new_case(clerk, clients=[new_person(clerk)])


def attach(case, data: bytes, filename: str, content_type: str) -> Document:
    return Document.objects.create(municipality=case.municipality, blob=store_bytes(data),
                                   filename=filename, content_type=content_type, case=case,
                                   client=case.clients.first(), source="email")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_pdf_opens_in_the_browser_and_is_never_cached(web, clerk, case):
    document = attach(case, PDF, "zahtev.pdf", "application/pdf")

    response = web.get(url("document", clerk, document_id=document.pk))

    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="zahtev.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_image_is_shown_in_a_sandbox(web, clerk, case):
    document = attach(case, PHOTO, "rupa.jpg", "image/jpeg; name=rupa.jpg")

    response = web.get(url("document", clerk, document_id=document.pk))

    assert response["Content-Type"] == "image/jpeg" and body(response) == PHOTO
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_anything_else_is_a_download_whatever_type_the_sender_declared(web, clerk, case):
    document = attach(case, PAGE, "racun.html", "text/html")

    response = web.get(url("document", clerk, document_id=document.pk))

    assert body(response) == PAGE
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="racun.html"'
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_download_asks_for_the_file_itself(web, clerk, case):
    document = attach(case, PDF, "zahtev.pdf", "application/pdf")

    response = web.get(url("document", clerk, document_id=document.pk) + "?download=1")

    assert response["Content-Disposition"] == 'attachment; filename="zahtev.pdf"'


def test_a_cyrillic_file_name_reaches_the_browser_intact(web, clerk, case):
    document = attach(case, PDF, "Захтев за дозволу.pdf", "application/pdf")

    response = web.get(url("document", clerk, document_id=document.pk))

    assert "filename*=utf-8''%D0%97%D0%B0%D1%85%D1%82%D0%B5%D0%B2" in (
        response["Content-Disposition"])


def test_content_kept_in_a_file_is_streamed(web, clerk, case, settings):
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 16
    document = attach(case, PDF * 100, "velik.pdf", "application/pdf")
    assert document.blob.data is None

    response = web.get(url("document", clerk, document_id=document.pk))

    assert body(response) == PDF * 100
    assert response["Content-Length"] == str(len(PDF) * 100)


def test_the_case_page_and_the_client_history_link_to_their_documents(web, clerk, case):
    document = attach(case, PDF, "zahtev.pdf", "application/pdf")
    link = url("document", clerk, document_id=document.pk)

    assert link in web.get(url("case", clerk, case_id=case.pk)).content.decode()
    client = case.clients.get()
    assert link in web.get(url("client", clerk, client_id=client.pk)).content.decode()


def test_another_municipality_or_a_case_out_of_sight_is_not_found(
        client, login, clerk, officer, other_clerk, case):
    document = attach(case, PDF, "zahtev.pdf", "application/pdf")
    own_client_only = Document.objects.create(
        municipality=case.municipality, blob=document.blob, filename="licna-karta.pdf",
        content_type="application/pdf", client=case.clients.get(), created_at=timezone.now())

    # The officer's department does not handle this case, and it is not theirs.
    as_officer = login(officer)
    assert as_officer.get(url("document", officer, document_id=document.pk)).status_code == 404
    assert as_officer.get(url("document", officer,
                              document_id=own_client_only.pk)).status_code == 200
    as_other = login(other_clerk)
    assert as_other.get(url("document", other_clerk, document_id=document.pk)
                        ).status_code == 404
    assert as_other.get(url("document", clerk, document_id=document.pk)).status_code == 404
    client.logout()
    response = client.get(url("document", clerk, document_id=document.pk))
    assert response.status_code == 302 and "login" in response["Location"]


def test_only_reading(web, clerk, case):
    document = attach(case, PDF, "zahtev.pdf", "application/pdf")

    assert web.post(url("document", clerk, document_id=document.pk)).status_code == 405
    assert web.head(url("document", clerk, document_id=document.pk)).status_code == 200
