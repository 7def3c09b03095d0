"""Static files under names that carry a hash of their contents, compressed, so that browsers
may keep them for good (WhiteNoise sends `Cache-Control: max-age=315360000, immutable` for
hashed names) and a release never serves a stale script or stylesheet."""

from __future__ import annotations

import logging

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    # Kith's scripts are ES modules that import one another: their imports get hashed names
    # too, so a cached module never loads a stale one.
    support_js_module_import_aggregation = True
    # A file missing from the manifest is an error in the build.
    manifest_strict = True

    def __init__(self, *args, **kwargs):
        # Django rewrites module imports in `*.js`; Kith's modules are `*.mjs`.
        _js, js_module_patterns = self._js_module_import_aggregation_patterns
        self.patterns = (*self.patterns, ("*.mjs", js_module_patterns))
        super().__init__(*args, **kwargs)

    def url(self, name, force=False):
        """The hashed name; if the files were never collected (`collectstatic`), the plain
        name, logged as an error, so that pages still answer rather than fail."""
        try:
            return super().url(name, force)
        except ValueError:
            logger.error("static file %s is not in the manifest: run collectstatic", name)
            return FileSystemStorage.url(self, name)
