"""What the customer reads when their ticket closes with support access still granted, in
their language. Names only the workspace and the time: nothing internal."""

from __future__ import annotations

REVOKE = {
    "en": (
        "Your request {ticket} is closed. You granted our support access to workspace "
        "{workspace} until {until}: if you no longer need it, please revoke it now in the "
        "platform (workspace settings → support access)."
    ),
    "de": (
        "Ihre Anfrage {ticket} ist abgeschlossen. Sie haben unserem Support bis {until} "
        "Zugriff auf den Workspace {workspace} gewährt: Wenn Sie ihn nicht mehr brauchen, "
        "widerrufen Sie ihn bitte jetzt in der Plattform (Workspace-Einstellungen → "
        "Support-Zugriff)."
    ),
}
