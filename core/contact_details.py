"""Finding contact details (phone numbers, email addresses) in public text.

People are asked to talk through Kith messages instead: that keeps strangers from collecting
numbers from listings and keeps safeguarding staff able to see concerns. The checks are
deliberately a little eager; a false alarm costs a rewording, a miss can cost someone's safety.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

# Marked here, translated where it is shown (`gettext(CONTACT_DETAILS_MESSAGE)`).
CONTACT_DETAILS_MESSAGE = gettext_noop(
    "Please take out phone numbers and email addresses. To keep everyone safe, people get in "
    "touch through Kith messages once a match is agreed."
)

_NUMBER_WORDS = {
    "zero": 1,
    "nought": 1,
    "oh": 1,
    "o": 1,
    "one": 1,
    "two": 1,
    "three": 1,
    "four": 1,
    "five": 1,
    "six": 1,
    "seven": 1,
    "eight": 1,
    "nine": 1,
    "ten": 2,
    "eleven": 2,
    "twelve": 2,
    "hundred": 2,
    "double": 0,
    "triple": 0,
    "treble": 0,
}
# Words that repeat the next digit ("double seven" is two digits).
_REPEATERS = {"double": 1, "triple": 2, "treble": 2}
# Tokens are split on anything that can sit inside a written phone number.
_TOKEN_RE = re.compile(r"[A-Za-z]+|\d+|\+|[^\sA-Za-z\d]")
_JOINERS = {"-", ".", ",", "(", ")", "+", "–", "—", "_"}
# A UK number has 10 or 11 digits (9 after +44); shorter runs are times, dates or prices.
_PHONE_MIN_DIGITS = 9

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.IGNORECASE)
_AT = r"(?:@|\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"
_TLD = r"(?:com|co|uk|org|net|io|me|info|biz|email|mail|gov|ac|ie|eu)"
_OBFUSCATED_EMAIL_RE = re.compile(
    rf"\b[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b", re.IGNORECASE
)
_MAIL_PROVIDERS_RE = re.compile(
    r"\b(gmail|googlemail|hotmail|outlook|yahoo|icloud|aol|btinternet|protonmail|live)\b"
    r"\s*(?:\.|dot|\(dot\)|\[dot\])\s*(com|co|uk|net)\b",
    re.IGNORECASE,
)


def _has_phone_number(text: str) -> bool:
    digits = 0
    pending_repeat = 0
    for token in _TOKEN_RE.findall(text):
        lower = token.lower()
        if token.isdigit():
            digits += len(token) + pending_repeat
            pending_repeat = 0
        elif lower in _REPEATERS:
            pending_repeat = _REPEATERS[lower]
        elif lower in _NUMBER_WORDS:
            digits += _NUMBER_WORDS[lower] + pending_repeat
            pending_repeat = 0
        elif token in _JOINERS:
            continue
        else:
            digits = 0
            pending_repeat = 0
        if digits >= _PHONE_MIN_DIGITS:
            return True
    return False


def has_contact_details(text: str) -> bool:
    """True when `text` holds something that looks like a phone number or an email address,
    written plainly ("07700 900123", "+44 7700 900123", "name@example.com") or spelled out
    ("oh seven seven double oh…", "name at gmail dot com")."""
    if not text:
        return False
    if _EMAIL_RE.search(text) or _OBFUSCATED_EMAIL_RE.search(text):
        return True
    if _MAIL_PROVIDERS_RE.search(text):
        return True
    return _has_phone_number(text)
