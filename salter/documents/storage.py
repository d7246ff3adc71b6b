"""Content-addressed file store under MEDIA_ROOT/blobs/ab/cd/<sha256>."""

import hashlib
import os
from pathlib import Path

from django.conf import settings

from salter.documents.models import Blob


def blob_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs" / sha256[:2] / sha256[2:4] / sha256


def write_file(sha256: str, data: bytes, *, sync: bool = True) -> None:
    """Write the bytes under their digest atomically (temporary file, then rename); with
    `sync`, durable before it returns. Callers syncing many files at once pass False."""
    path = blob_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    # pid and object id: two processes, or two threads of one, never share a temp file.
    tmp = path.with_suffix(f".{os.getpid()}.{id(data)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def store_bytes(data: bytes) -> Blob:
    """Write `data` once (atomically, fsync'd) and return its Blob row."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not blob_path(sha256).exists():
        write_file(sha256, data)
    blob, _ = Blob.objects.get_or_create(sha256=sha256, defaults={"size": len(data)})
    return blob


def read_blob(blob: Blob) -> bytes:
    return blob_path(blob.sha256).read_bytes()
