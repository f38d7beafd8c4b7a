"""The worker's side of mail.

* `send_mail_task(mail_id)`: the due send of one outbound mail (`sending.deliver`);
  queued by the commit that wrote the mail, by a retry, and by the sweep.
* `sweep_mail_task()`: SLA mails (`notifications.sla_mails`), then queue due sends that
  have no task; the beat runs it every minute (`mail.sweep`).
* `fetch_mail_task()`: poll every active IMAP mailbox (`imap.fetch_all`); the beat runs
  it every `TIERDESK_MAIL_FETCH_SECONDS` (`mail.fetch`).
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_mail_task(mail_id: int) -> str | None:
    from tierdesk.mail import sending

    return sending.deliver(mail_id)


@task()
def sweep_mail_task() -> dict[str, int]:
    from tierdesk.mail import notifications, sending

    written = notifications.sla_mails()
    return {"sla_mails": written, "queued": sending.sweep()}


@task()
def fetch_mail_task() -> list[str]:
    from tierdesk.mail import imap

    return [result.summary() for result in imap.fetch_all()]
