"""Files kept by content (SHA-256), with their links to cases and clients."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.lang.fields import FoldedTextField
from salter.tenancy.models import Municipality


class Blob(models.Model):
    """The bytes of a file, stored once under their SHA-256 whoever uploads them.

    Small content is kept in `data`, larger content in the file store; only
    `salter.documents.storage` knows which, and everything else reads through it.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.BinaryField(null=True)


class Document(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="documents")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="documents")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="documents")
    # Text for search: OCR of scans, text of PDFs and mail bodies.
    text = models.TextField(blank=True)
    # Folded file name and text, what search matches (`salter.search`, decision 17).
    search_text = FoldedTextField(sources=("filename", "text"))
    source = models.CharField(max_length=30, blank=True)  # channel it came from
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "case"]),
            models.Index(fields=["municipality", "client"]),
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return self.blob.size
