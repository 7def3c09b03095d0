"""Static files under names that carry a hash of their contents, compressed, so that browsers
may keep them for good (WhiteNoise sends `Cache-Control: max-age=315360000, immutable` for
hashed names) and a release never serves a stale script or stylesheet."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    # Kith's scripts are ES modules that import one another: their imports get hashed names
    # too, so a cached module never loads a stale one.
    support_js_module_import_aggregation = True
    # A file missing from the manifest is an error in the build, not a page that breaks later.
    manifest_strict = True

    def __init__(self, *args, **kwargs):
        # Django rewrites module imports in `*.js`; Kith's modules are `*.mjs`.
        _js, js_module_patterns = self._js_module_import_aggregation_patterns
        self.patterns = (*self.patterns, ("*.mjs", js_module_patterns))
        super().__init__(*args, **kwargs)
