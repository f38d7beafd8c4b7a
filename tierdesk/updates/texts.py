"""The default texts of each step, in each language, and the plain words for who has the
ticket. A partner's or the vendor's own template (an `UpdateTemplate` row) replaces them.
Only the partner's brand is named: the customer never reads who is behind it."""

from __future__ import annotations

from tierdesk.updates.models import Language, Step

PLACEHOLDERS = frozenset({"ticket", "who", "next_answer", "brand"})

DEFAULTS: dict[str, dict[str, str]] = {
    Language.EN: {
        Step.HANDED_OVER: (
            "Your request {ticket} is now with {who}. "
            "You can expect the next answer by {next_answer}."
        ),
        Step.ESCALATED: (
            "Your request {ticket} is now with {who}, who look into the cause. "
            "You can expect the next answer by {next_answer}."
        ),
        Step.FIX_DELIVERED: (
            "A fix for your request {ticket} has been delivered; {who} now check that it "
            "works for you. You can expect the next answer by {next_answer}."
        ),
        Step.RESOLVED: (
            "Your request {ticket} is resolved. If anything is still not right, just reply "
            "and {who} pick it up again."
        ),
        Step.REMINDER: (
            "Your request {ticket} is waiting for your answer to our last question. "
            "Please reply so {who} can carry on."
        ),
        Step.NO_REPLY: (
            "We have not heard back from you, so we consider your request {ticket} "
            "resolved. If you still need help, reopen it and {who} carry on."
        ),
    },
    Language.DE: {
        Step.HANDED_OVER: (
            "Ihre Anfrage {ticket} liegt jetzt bei {who}. "
            "Die nächste Antwort erhalten Sie bis {next_answer}."
        ),
        Step.ESCALATED: (
            "Ihre Anfrage {ticket} liegt jetzt bei {who}, die der Ursache nachgehen. "
            "Die nächste Antwort erhalten Sie bis {next_answer}."
        ),
        Step.FIX_DELIVERED: (
            "Für Ihre Anfrage {ticket} wurde eine Korrektur bereitgestellt; {who} prüft "
            "jetzt, ob sie bei Ihnen wirkt. Die nächste Antwort erhalten Sie bis "
            "{next_answer}."
        ),
        Step.RESOLVED: (
            "Ihre Anfrage {ticket} ist gelöst. Falls noch etwas nicht stimmt, antworten Sie "
            "einfach, und {who} kümmert sich erneut darum."
        ),
        Step.REMINDER: (
            "Ihre Anfrage {ticket} wartet auf Ihre Antwort auf unsere letzte Frage. "
            "Bitte antworten Sie, damit {who} weitermachen kann."
        ),
        Step.NO_REPLY: (
            "Da wir nichts von Ihnen gehört haben, betrachten wir Ihre Anfrage {ticket} als "
            "gelöst. Falls Sie noch Hilfe brauchen, öffnen Sie sie wieder, und {who} macht "
            "weiter."
        ),
    },
}

WHO: dict[str, dict[int, str]] = {
    Language.EN: {
        1: "the {brand} support team",
        2: "our product specialists at {brand}",
        3: "our engineering team at {brand}",
    },
    Language.DE: {
        1: "das Support-Team von {brand}",
        2: "unser Produkt-Spezialistenteam bei {brand}",
        3: "unser Entwicklungsteam bei {brand}",
    },
}

SOON = {Language.EN: "the next business day", Language.DE: "zum nächsten Werktag"}

MAIL = {
    Language.EN: {
        "hello": "Hello {name},",
        "link": "See the request",
        "footer": "You can turn off optional updates like this one in the portal.",
    },
    Language.DE: {
        "hello": "Guten Tag {name},",
        "link": "Anfrage ansehen",
        "footer": "Optionale Nachrichten wie diese können Sie im Portal abbestellen.",
    },
}
