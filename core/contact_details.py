"""Finding contact details (phone numbers, email addresses) and addresses (a house number and
its street, a postcode) in public text.

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

# A UK postcode: an outward code, then a digit and two letters that are never C, I, K, M, O
# or V (so "A1 4pm" is not one). Typed in any case, with or without the space.
_POSTCODE_RE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
# A house number and a street: "12 High Street", "14 Oak Road", "3a, Mill Lane" (the names
# capitalised, so "2 dogs on the road" is not one), or in Welsh "5 Heol y Bont".
_STREET_RE = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){1,3}"
    r"(?:Street|Road|Avenue|Lane|Crescent|Terrace|Grove|Mews|Gardens|Close|Drive|Court|Place)\b"
    r"|\b\d{1,4}[A-Za-z]?,?\s+(?:Heol|Stryd|Ffordd|Lôn)\s+\w"
)

# Marked here, translated where it is shown (`gettext(ADDRESS_MESSAGE)`).
ADDRESS_MESSAGE = gettext_noop(
    "Please take out house numbers, street names and postcodes. Kith shows others only "
    "roughly where you are; you can share the address in Kith messages once a match is agreed."
)

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


def has_address(text: str) -> bool:
    """True when `text` holds a UK postcode or a house number with its street."""
    if not text:
        return False
    return bool(_POSTCODE_RE.search(text) or _STREET_RE.search(text))


def public_text_problem(text: str) -> str | None:
    """Why `text` cannot be shown to other people (the untranslated message), or None: it
    holds contact details, or an address."""
    if has_contact_details(text):
        return CONTACT_DETAILS_MESSAGE
    if has_address(text):
        return ADDRESS_MESSAGE
    return None


def name_has_contact_details(name: str) -> bool:
    """A display name others would read holds contact details: any "@" as well (a name has
    no use for one, and a half-typed address is still an address)."""
    return has_contact_details(name) or "@" in name
