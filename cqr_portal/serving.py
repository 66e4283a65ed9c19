"""How responses leave the portal: compression and the static-file storage, by debug mode.

Static files: with debug off, `collectstatic` writes them through whitenoise's
CompressedManifestStaticFilesStorage (hashed names, a gzip and a brotli copy of each
text file: whitenoise[brotli]) and whitenoise serves the smallest copy the browser
accepts, with far-future caching.

Pages and API answers: django.middleware.gzip.GZipMiddleware, placed under whitenoise so
static files never pass through it with debug off (they are compressed already, and
images must not be gzipped again on every request). With debug on (`make run`) nothing
is collected, so the middleware sits above whitenoise and compresses static files too.

BREACH (a compressed page that reflects attacker text next to a secret leaks the secret
by its length): we take Django's defence. CSRF tokens are masked anew in every response,
GZipMiddleware pads each response with up to 100 random bytes ("Heal the Breach"), and
no page prints another secret: an API token appears only in the answer to its owner's
POST /api/v1/auth/token/, which reflects nothing sent by anyone else.
"""

from __future__ import annotations

GZIP = "django.middleware.gzip.GZipMiddleware"
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
STATIC_STORAGE_DEBUG = "django.contrib.staticfiles.storage.StaticFilesStorage"
STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def compression_middleware(*, debug: bool) -> list[str]:
    """Whitenoise and GZip in the order the debug mode needs (see the module docstring);
    they come right after SecurityMiddleware."""
    return [GZIP, WHITENOISE] if debug else [WHITENOISE, GZIP]


def static_storage(*, debug: bool) -> str:
    return STATIC_STORAGE_DEBUG if debug else STATIC_STORAGE
