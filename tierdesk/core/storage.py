"""Storage for files that must never have a URL of their own (attachments)."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without a URL: FileSystemStorage falls back to MEDIA_URL when
    `base_url` is None, which would give every attachment a guessable path. Files leave
    only through views that check access and send them as downloads."""

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("This file is not accessible via a URL.")
