"""Attachments on S3-compatible object storage, by configuration alone: a local S3 API
server (moto's, on 127.0.0.1) stands in for AWS S3, MinIO or Ceph. An upload lands in the
bucket as a private object, a download still goes through the access-checked view as an
attachment, and erasing the attachment deletes the object (core/storage_s3.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PLAIN_LOG, new_ticket
from tierdesk.identity.erasure import person_erase
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, AttachmentKind

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "tierdesk-attachments"
KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 API server on a free port of 127.0.0.1 for this module's tests."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """An empty bucket, and the attachments storage pointed at it (as TIERDESK_S3_* do)."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "tierdesk.core.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "location": "attachments",
                **KEYS,
            },
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_the_settings_switch_to_object_storage_by_environment_alone(tmp_path):
    # given a host configured with a bucket, an endpoint and keys
    env = {
        **os.environ,
        "TIERDESK_VAR_DIR": str(tmp_path / "var"),
        "TIERDESK_S3_BUCKET": BUCKET,
        "TIERDESK_S3_ENDPOINT_URL": "https://objects.internal:9000",
        "TIERDESK_S3_REGION": "eu-central-1",
        "TIERDESK_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "TIERDESK_S3_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
    }
    code = "import json, tierdesk.settings as s; print(json.dumps(s.STORAGES['attachments']))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout
    # then the attachments storage is the private S3 backend on that bucket
    config = json.loads(out)
    assert config["BACKEND"] == "tierdesk.core.storage_s3.PrivateS3Storage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == BUCKET and options["location"] == "attachments"
    assert options["endpoint_url"] == "https://objects.internal:9000"
    assert options["region_name"] == "eu-central-1"


def test_an_upload_is_a_private_object_downloaded_only_through_the_app(world, bucket, client):
    # given a ticket
    ticket = new_ticket(world, "acme")
    # when L1 attaches a log
    attachment = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="run.log",
        kind=AttachmentKind.LOG,
    )
    # then the bytes are one object in the bucket, under the content-addressed name
    (key,) = _keys(bucket)
    assert key == f"attachments/{attachment.file.name}"
    head = bucket.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentDisposition"] == "attachment"
    assert head["ContentType"] == "application/octet-stream"
    stored = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored == PLAIN_LOG
    # and the object grants nobody but its owner anything
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    # and the storage hands out no link to it
    with pytest.raises(ValueError, match="not accessible via a URL"):
        attachment.file.url  # noqa: B018
    # when L1 downloads it through the app
    client.force_login(world.user("acme_l1"))
    response = client.get(f"/attachments/{attachment.pk}/")
    # then it comes from the bucket, as an opaque attachment
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PLAIN_LOG
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    # and someone of another partner gets the one 404
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_the_same_bytes_twice_are_two_objects_and_erasure_deletes_only_its_own(world, bucket):
    # given a customer's log and the same bytes attached by L1 to the same ticket
    from tierdesk.core.actor import actor_for

    customer = world.user("acme_customer")
    ticket = new_ticket(world, "acme")
    theirs = services.attachment_add(
        actor=actor_for(customer),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="mine.log",
        kind=AttachmentKind.LOG,
    )
    ours = services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="copy.log",
        kind=AttachmentKind.LOG,
    )
    # then the second did not overwrite the first: two objects
    assert theirs.file.name != ours.file.name
    assert len(_keys(bucket)) == 2
    # when the partner admin erases the customer (their tickets' files go with them)
    person_erase(actor=world.actor("acme_admin"), user_id=customer.pk)
    # then the objects are deleted from the bucket and the rows are gone
    assert _keys(bucket) == []
    assert not Attachment.objects.filter(pk__in=[theirs.pk, ours.pk]).exists()
