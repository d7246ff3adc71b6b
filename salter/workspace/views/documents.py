"""Opening a document of a case or a client: the bytes as they were received.

What a citizen sends is shown in the browser only where the browser cannot run it:
images of the common kinds and PDF. Everything else, whatever type the sender declared,
is a download. The response is never cached: documents carry personal data, and clerks
share computers.
"""

from django.http import FileResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers

from salter.documents.access import access_document
from salter.documents.storage import open_blob
from salter.tenancy.access import municipality_view

SHOWN_IN_BROWSER = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif",
                              "image/webp"})


@municipality_view
def document(request, membership, document_id):
    document = access_document(membership, document_id)  # 404 first, whatever the method
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    declared = document.content_type.split(";")[0].strip().lower()
    shown = declared in SHOWN_IN_BROWSER and "download" not in request.GET
    response = FileResponse(open_blob(document.blob), as_attachment=not shown,
                            filename=document.filename,
                            content_type=declared if shown else "application/octet-stream")
    if declared != "application/pdf":
        # Nothing in an image may run, even if the browser takes it for something else.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    add_never_cache_headers(response)
    return response
