"""Attachments on S3-compatible object storage (`TIERDESK_S3_BUCKET`, settings.py).

Loaded only when a bucket is configured, so boto3 is imported only where it is used."""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend with the properties of `PrivateFileSystemStorage`:

    * no URL: `url()` refuses, so no presigned or public link to an object is ever made;
      a file leaves only through the view that checks access (`tickets/downloads.py`);
    * no ACL grant (`default_acl` None): the object is as private as its bucket;
    * never overwritten: the same name again gets a suffix, as on disk, so erasing one
      attachment cannot take another's bytes (`identity/erasure.py` keeps shared files);
    * every object is stored as `application/octet-stream` with `Content-Disposition:
      attachment`: should someone hand out a link by other means, a browser still
      downloads it and never renders it from the storage's origin."""

    default_acl = None
    file_overwrite = False
    querystring_auth = True
    object_parameters = {
        "ContentType": "application/octet-stream",
        "ContentDisposition": "attachment",
    }

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        raise ValueError("This file is not accessible via a URL.")
