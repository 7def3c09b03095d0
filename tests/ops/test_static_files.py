"""In production, static files carry a hash of their contents in their names, modules import
one another by those names, and WhiteNoise serves them to be cached for good."""

from __future__ import annotations

import json

from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.HashedStaticFiles"},
}


def test_static_files_get_hashed_names_and_modules_import_them(tmp_path):
    with override_settings(STORAGES=PRODUCTION_STORAGES, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
        whitenoise = WhiteNoiseMiddleware(get_response=lambda request: HttpResponse(status=404))
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed_init = manifest["kith/js/init.mjs"]
    assert hashed_init != "kith/js/init.mjs" and hashed_init.startswith("kith/js/init.")
    assert manifest["kith/kith.css"].startswith("kith/kith.") and (tmp_path / hashed_init).exists()
    source = (tmp_path / hashed_init).read_text()
    govuk = manifest["vendor/govuk-frontend/govuk-frontend.min.js"].rsplit("/", 1)[-1]
    assert govuk in source, "the module imports the hashed GOV.UK Frontend"
    assert (tmp_path / (hashed_init + ".gz")).exists()  # compressed too

    served = whitenoise(RequestFactory().get("/static/" + hashed_init))
    assert served.status_code == 200
    assert "immutable" in served["Cache-Control"] and "max-age=315360000" in served["Cache-Control"]
    plain = whitenoise(RequestFactory().get("/static/kith/js/init.mjs"))
    assert "immutable" not in plain.get("Cache-Control", "")
