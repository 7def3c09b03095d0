"""Words people read are marked for translation, so that none can reach a Welsh page or
message in English by being forgotten (docs/welsh.md).

- Templates: every word of text, and of the attributes people read (alt, title, aria-label,
  placeholder, a button's value, the page's description), sits inside `{% translate %}` or
  `{% blocktranslate %}`.
- Python: the messages of refusals (`ApplicationError`, `NotFound`, `ValidationError`), the
  page messages (`messages.success(…)` and its kin), form labels, hints and error messages,
  and the labels of choices are wrapped in a gettext call — a plain string or an f-string
  there is an English sentence that Welsh pages would show.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

from tests.i18n.rooms import rooms

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "frontend" / "templates", ROOT / "staff_console" / "templates"]
PYTHON_ROOMS = rooms()
# Words that are the same in both languages, or deliberately in the other language (the
# switch offers "Cymraeg" on English pages and "English" on Welsh ones).
NOT_TRANSLATED = {
    "English",
    "Cymraeg",
    "Change the language to English",
    "Newid yr iaith i’r Gymraeg",
    "Kith",
    "GOV.UK",
    "DBS",
    "CSV",
}
VARIABLE = "\x00"
WORD = re.compile(r"[A-Za-z][A-Za-z’']+")
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}


def template_files() -> list[Path]:
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*") if p.suffix in {".html", ".txt"})


def _outside_translation(source: str) -> str:
    """The template's text with every tag, variable and translated block replaced by a
    placeholder, so that only words written straight into the template are left."""
    pieces: list[str] = []
    skipping: str | None = None
    for token in Lexer(source).tokenize():
        if skipping:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == skipping:
                skipping = None
            continue
        if token.token_type == TokenType.TEXT:
            pieces.append(token.contents)
            continue
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in {"blocktranslate", "blocktrans"}:
                skipping = "end" + name
            elif name == "comment":
                skipping = "endcomment"
            elif name == "verbatim":
                skipping = "endverbatim"
        pieces.append(VARIABLE)
    return "".join(pieces)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._raw += 1
        values = dict(attrs)
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value)
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self._check(values.get("value") or "")
        if tag == "meta" and values.get("name") == "description":
            self._check(values.get("content") or "")

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._raw:
            self._raw -= 1

    def handle_data(self, data):
        if not self._raw:
            self._check(data)

    def _check(self, text: str) -> None:
        for part in text.split(VARIABLE):
            part = " ".join(part.split())
            for same in sorted(NOT_TRANSLATED, key=len, reverse=True):
                part = part.replace(same, " ")
            if WORD.search(part):
                self.found.append(part.strip())


def unmarked_words(path: Path) -> list[str]:
    text = _outside_translation(path.read_text(encoding="utf-8"))
    if path.suffix == ".txt":
        reader = _Reader()
        reader._check(text)
        return reader.found
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.found


@pytest.mark.parametrize(
    "path", template_files(), ids=lambda p: str(p.relative_to(ROOT)).replace("/", ":")
)
def test_template_words_are_marked_for_translation(path):
    found = unmarked_words(path)
    assert not found, f"words not marked for translation in {path.name}: {found[:8]}"


# --- Python ---------------------------------------------------------------------------------
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "format_lazy",
}
REFUSALS = {"ApplicationError", "NotFound", "ValidationError"}
PAGE_MESSAGES = {"success", "info", "warning", "error", "add_message"}
FORM_WORDS = {"label", "help_text", "empty_label"}
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def python_files() -> list[Path]:
    files = []
    for room in PYTHON_ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {"migrations", "management", "locale"} or path.name in {
                "admin.py",
                "apps.py",
            }:
                continue
            files.append(path)
    return sorted(files)


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _plain_words(node: ast.expr | None) -> bool:
    """A string literal, an f-string or a sum or %-format of them: English as written."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_words(node.left) or _plain_words(node.right)
    return False


def unmarked_python(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT:
                continue
            if name in REFUSALS and node.args and _plain_words(node.args[0]):
                flag(node, f"{name}(…) message")
            is_page_message = (
                isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "messages"
                and name in PAGE_MESSAGES
            )
            if is_page_message and len(node.args) >= 2 and _plain_words(node.args[-1]):
                flag(node, f"messages.{name}(…)")
            for keyword in node.keywords:
                if keyword.arg in FORM_WORDS and _plain_words(keyword.value):
                    flag(node, f"{keyword.arg}=")
                if (
                    keyword.arg == "error_messages"
                    and isinstance(keyword.value, ast.Dict)
                    and any(_plain_words(v) for v in keyword.value.values)
                ):
                    flag(node, "error_messages=")
                if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                    for item in keyword.value.elts:
                        if isinstance(item, ast.Tuple) and _plain_words(item.elts[-1]):
                            flag(item, "choices label")
        if isinstance(node, ast.ClassDef) and {_name(b) for b in node.bases} & CHOICES_BASES:
            for statement in node.body:
                value = getattr(statement, "value", None)
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(value, ast.Tuple)
                    and value.elts
                    and _plain_words(value.elts[-1])
                ):
                    flag(statement, "choices label")
    return found


@pytest.mark.parametrize(
    "path", python_files(), ids=lambda p: str(p.relative_to(ROOT)).replace("/", ":")
)
def test_python_words_are_marked_for_translation(path):
    found = unmarked_python(path)
    assert not found, f"words not marked for translation in {path.name}: {found[:8]}"
