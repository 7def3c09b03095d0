""".env.example lists every environment variable the settings and gunicorn.conf.py read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")
_ENVIRON = re.compile(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_every_setting_is_in_env_example():
    read: set[str] = set()
    for path in [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "gunicorn.conf.py"]:
        text = path.read_text()
        read |= set(_READ.findall(text)) | set(_ENVIRON.findall(text))
    assert read, "the settings read no environment variables?"
    missing = sorted(read - _documented())
    assert not missing, f"add these to .env.example: {missing}"
