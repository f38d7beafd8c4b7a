"""In-app notifications: the bell, the notifications page, followers, @mentions in
internal notes, and per-person preferences for what notifies in the app and by mail.

| module | holds |
|---|---|
| `models` | `Notification`, `Follow`, `Preference`, `NotificationKind` |
| `planning` | who hears of a ticket event, and as what (pure over the event and its ticket) |
| `mentions` | `@name` in a note: parsing, and the people a ticket may mention |
| `services` | every write: the event listener, follow, mark read, preferences, the SLA reader |
| `selectors` | the bell's count, the page, the preferences |
| `mailing` | mails for what the mail app does not send, and its filter for what it does |
"""
