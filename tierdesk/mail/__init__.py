"""Email in and out (DESIGN.md §5, docs/email.md).

| module | does |
|---|---|
| `notifications` | which ticket events mail whom, in their transaction (`tickets.events`) |
| `outbound` | a branded, threaded mail row, written in the caller's transaction |
| `sending` | sending the rows on the worker, with retries |
| `parsing` | MIME, charsets, quoted-text trimming, auto-reply/bounce/list detection (pure) |
| `inbound` | `intake()`: the one door every inbound mail goes through; dedup, holding |
| `authentication` | is the sender verified (trusted MTA, DKIM); signed reply addresses |
| `routing` | what a mail becomes: a ticket, a message, a note, a refusal |
| `imap` | polling the organisations' IMAP mailboxes, UID-based, marking after commit |
| `services` | processing held mail again, registering triaged senders, opt-outs |
| `tasks` | the worker's side: send, sweep (with SLA mails), fetch |
"""
