"""Password rules beyond Django's own validators (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from zxcvbn import zxcvbn


class MaximumLengthValidator:
    """Refuse passwords longer than `max_length` characters (ASVS 2.1.2: at least 64 are
    allowed, more than 128 refused). Nothing is ever truncated: a longer password is an
    error, never a shorter secret."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must contain at most %(max_length)d character.",
            "Your password must contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}


# zxcvbn's warnings (its own English, outside our catalogue) in our words, translated.
_WARNINGS = {
    "Straight rows of keys are easy to guess.": _("It is a straight row of keys."),
    "Short keyboard patterns are easy to guess.": _("It is a short keyboard pattern."),
    'Repeats like "aaa" are easy to guess.': _("It repeats characters."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _(
        "It repeats a short part."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _("It is a sequence like abc or 6543."),
    "Recent years are easy to guess.": _("It relies on a recent year."),
    "Dates are often easy to guess.": _("It relies on a date."),
    "This is a top-10 common password.": _("It is one of the most common passwords."),
    "This is a top-100 common password.": _("It is one of the most common passwords."),
    "This is a very common password.": _("It is a very common password."),
    "This is similar to a commonly used password.": _("It is close to a common password."),
    "A word by itself is easy to guess.": _("A single word is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _("A name alone is easy to guess."),
    "Common names and surnames are easy to guess.": _("It relies on common names."),
}
STRENGTH_LABELS = (
    _("Very weak"),
    _("Weak"),
    _("Fair"),
    _("Good"),
    _("Strong"),
)


def user_inputs(user) -> list[str]:
    """What a password should not be built from: the person's address and name."""
    if user is None:
        return []
    email = getattr(user, "email", "") or ""
    name = getattr(user, "full_name", "") or ""
    local = email.split("@")[0]
    words = [email, local, name, *re.split(r"[._+\-]+", local), *name.split()]
    return [word for word in words if len(word) > 2]


def strength(password: str, user=None) -> tuple[int, str]:
    """zxcvbn's score (0 very weak … 4 strong: roughly fewer than 10³, 10⁶, 10⁸, 10¹⁰
    guesses, or more) and, for a weak one, why, in the person's language."""
    result = zxcvbn(password, user_inputs=user_inputs(user), max_length=len(password) + 1)
    uses_own = any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"])
    warning = result["feedback"]["warning"]
    if uses_own:
        why = _("It contains your name or email address.")
    else:
        why = _WARNINGS.get(warning, "")
    return result["score"], str(why)


class StrengthValidator:
    """Refuse passwords that are easy to guess (ASVS 2.1.8), scored by zxcvbn against
    common passwords, names, words, keyboard patterns, dates, repeats and the person's own
    address and name: at least `min_score` (3: 10⁸ guesses or more). Passwords over
    `max_scored` characters are left to MaximumLengthValidator (scoring is not free)."""

    def __init__(self, min_score: int = 3, max_scored: int = 128):
        self.min_score = min_score
        self.max_scored = max_scored

    def scores(self, password: str) -> bool:
        return bool(password) and len(password) <= self.max_scored

    def refusal(self, score: int, why: str) -> str | None:
        """The message for a password of this score, None when it is strong enough."""
        if score >= self.min_score:
            return None
        message = _("This password is too easy to guess.")
        if why:
            message = f"{message} {why}"
        return f"{message} {_('Add another word or two; uncommon words are better.')}"

    def validate(self, password: str, user=None) -> None:
        if not self.scores(password):
            return
        message = self.refusal(*strength(password, user))
        if message:
            raise ValidationError(message, code="password_too_guessable")

    def get_help_text(self) -> str:
        return str(_("Your password must not be easy to guess: a few uncommon words work well."))
