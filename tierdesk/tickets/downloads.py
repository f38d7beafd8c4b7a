"""How an attachment leaves the application: the one response every surface sends."""

from __future__ import annotations

from django.http import FileResponse

from tierdesk.tickets.models import Attachment


def attachment_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    """The file as a download (`application/octet-stream`, `Content-Disposition:
    attachment`), or — `inline`, for raster screenshots the caller has checked — as its
    sniffed type; never sniffed by the browser, never able to run anything from our origin.
    The caller has read `attachment` through `access`."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
