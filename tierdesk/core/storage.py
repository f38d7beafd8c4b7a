"""Storage for files that must never have a URL of their own (attachments)."""

from __future__ import annotations

from collections.abc import Mapping

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


def s3_attachments(environ: Mapping[str, str]) -> dict:
    """The `STORAGES["attachments"]` entry for an S3-compatible bucket, from the
    `TIERDESK_S3_*` variables (docs/configuration.md): the private S3 backend
    (`core/storage_s3.py`; boto3 is imported only when it is used). Empty values are left to
    boto3 (credentials: instance role, `AWS_*` variables, `~/.aws`)."""

    def value(name: str) -> str | None:
        return (environ.get(f"TIERDESK_S3_{name}") or "").strip() or None

    return {
        "BACKEND": "tierdesk.core.storage_s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": value("BUCKET"),
            "endpoint_url": value("ENDPOINT_URL"),
            "region_name": value("REGION"),
            "access_key": value("ACCESS_KEY_ID"),
            "secret_key": value("SECRET_ACCESS_KEY"),
            "location": (value("PREFIX") or "attachments").strip("/"),
            "addressing_style": value("ADDRESSING_STYLE"),
        },
    }
