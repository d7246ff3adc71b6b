"""Content-addressed file store under MEDIA_ROOT/blobs/ab/cd/<sha256>."""

import hashlib
import os
from pathlib import Path

from django.conf import settings

from salter.documents.models import Blob


def blob_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs" / sha256[:2] / sha256[2:4] / sha256


def store_bytes(data: bytes) -> Blob:
    """Write `data` once (atomically, fsync'd) and return its Blob row."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    blob, _ = Blob.objects.get_or_create(sha256=sha256, defaults={"size": len(data)})
    return blob


def read_blob(blob: Blob) -> bytes:
    return blob_path(blob.sha256).read_bytes()
