"""Settings for the CQR CE planning portal, read from the environment.

Every variable has an embedded default so a fresh clone runs on SQLite with eager
Celery; production sets DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DATABASE_URL and
CELERY_BROKER_URL (see README).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cqr_portal.env import cache_settings, env_bool, env_int, env_list, env_str
from cqr_portal.outbound import default_storage_from_env, email_settings_from_url
from cqr_portal.serving import compression_middleware, static_storage

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false; refusing to start."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served by us: no CDN
    "django_filters",
    "csp",
    "axes",
    "core",
    "accounts",
    "catalog",
    "obligations",
    "prescriptions",
    "matching",
    "plans",
    "insights",
    "followup",
    "import_export",
]

# Sessions are read from the shared cache (one Redis GET) and written through to the
# database, which keeps them across a cache flush or outage (`cached_db`).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Whitenoise (static files) and GZip (pages), ordered by debug mode: cqr_portal/serving.
    *compression_middleware(debug=DEBUG),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads form bodies: refuses an oversized body unread (413).
    "core.request_limits.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes watches every login that carries a request (login page, admin, API token)
# and refuses it once a username+IP pair, or one IP over all usernames, has failed too
# often; the counters live in the shared cache (CACHES["default"]: Redis from CACHE_URL,
# seen by every worker; local memory only for `make run`). ModelBackend authenticates;
# its subclass CachedModelBackend keeps the signed-in user's row in the shared cache
# instead of a query per request (accounts/auth_backends.py). Sessions signed in through
# the plain ModelBackend path (before this backend) ask their users to sign in again.
AUTHENTICATION_BACKENDS = [
    "core.lockout.LockoutBackend",
    "accounts.auth_backends.CachedModelBackend",
]
AXES_HANDLER = "core.lockout.LockoutHandler"
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = env_int("CQR_LOGIN_FAILURE_LIMIT", 5)
# Failed logins from one client IP over all usernames (password spraying), same cool-off.
CQR_LOGIN_IP_FAILURE_LIMIT = env_int("CQR_LOGIN_IP_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("CQR_LOGIN_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_VERBOSE = False

# Content Security Policy: scripts and styles only from our own origin (no inline code);
# the API docs page relaxes style-src for Swagger UI's inline styles (see cqr_portal/api_urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "cqr_portal.urls"
WSGI_APPLICATION = "cqr_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection is checked before reuse (PostgreSQL may have restarted).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting on a locked database beats failing while a worker writes bundles.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache (API throttle counts, page fragments): Redis from CACHE_URL or REDIS_URL,
# shared by every process; local memory only while debugging (cqr_portal/env.py).
CACHES = cache_settings(os.environ, debug=DEBUG)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # ASVS L1 (V2.1.1): at least 12 characters.
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (certificates): under MEDIA_ROOT, or in a bucket (cqr_portal/outbound.py).
# They are never served as static media: only the owner's download view reads them.
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": default_storage_from_env(os.environ),
    # Hashed names and gzip copies with debug off (cqr_portal/serving).
    "staticfiles": {"BACKEND": static_storage(debug=DEBUG)},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Mail: EMAIL_URL (smtp://user:password@host:port?tls=1, console://...); see outbound.py.
_email = email_settings_from_url(env_str("EMAIL_URL"))
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", _email["EMAIL_BACKEND"])
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 30)
# The portal's public address, for links in emails (reminders, unsubscribe, calendar feeds).
CQR_SITE_URL = env_str("CQR_SITE_URL", "http://localhost:8000")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "CQR Planner <noreply@localhost>")

# Request-size limits, one per surface (core/request_limits.py): a body over its limit is
# answered 413 before it is read. Catalogs can be large, prescriptions small.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
CATALOG_UPLOAD_MAX_BYTES = env_int("CQR_CATALOG_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
CQR_CERTIFICATE_MAX_BYTES = env_int("CQR_CERTIFICATE_MAX_BYTES", 10 * 1024 * 1024)
PRESCRIPTION_UPLOAD_MAX_BYTES = env_int("CQR_PRESCRIPTION_UPLOAD_MAX_BYTES", 256 * 1024)
# Any other JSON body sent to the API (a course, a plan choice...).
API_BODY_MAX_BYTES = env_int("CQR_API_BODY_MAX_BYTES", 1024 * 1024)
# Any other page's form; the admin's CSV import of courses.
CQR_WEB_FORM_MAX_BYTES = env_int("CQR_WEB_FORM_MAX_BYTES", 2 * 1024 * 1024)
CQR_ADMIN_IMPORT_MAX_BYTES = env_int("CQR_ADMIN_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# A course CSV with more rows than this is imported by a Celery task (progress page)
# instead of being previewed in the request (catalog/csv_import_jobs.py).
CQR_CSV_IMPORT_BACKGROUND_ROWS = env_int("CQR_CSV_IMPORT_BACKGROUND_ROWS", 1000)
# A job queued, or running without progress, for this long was lost: the sweep resends it.
CQR_CSV_IMPORT_PATIENCE_SECONDS = env_int("CQR_CSV_IMPORT_PATIENCE_SECONDS", 900)

# How long a catalog import waits for another import of the same provider to finish.
CQR_CATALOG_IMPORT_LOCK_WAIT = float(env_str("CQR_CATALOG_IMPORT_LOCK_WAIT", "60"))

# Celery: without a broker, tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The matching engine's total time budget per run, in seconds.
CQR_SOLVER_TIME_LIMIT = float(env_str("CQR_SOLVER_TIME_LIMIT", "20"))
# A run's task: soft limit (ends the run failed with a message), then the hard kill. A
# claimed run's lease (2 x solver limit + 30 s, matching.services.runs) outlives both.
CQR_RUN_SOFT_TIME_LIMIT = int(1.5 * CQR_SOLVER_TIME_LIMIT) + 15
CQR_RUN_TIME_LIMIT = CQR_RUN_SOFT_TIME_LIMIT + 15
# How long a queued run waits for a worker before the sweep sends it again.
CQR_RUN_QUEUE_PATIENCE = env_int("CQR_RUN_QUEUE_PATIENCE", 120)
# Unacknowledged messages come back after this (Redis): a few times the longest run. The
# sweep below recovers lost runs sooner, by their lease.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(max(300, 5 * CQR_RUN_TIME_LIMIT)),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing while the broker is down gives up fast: the run stays queued (the outbox)
# and the sweep sends it later; the request that saved it answers normally.
CQR_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# The result backend (the same Redis) is told about every published task; its default
# reconnect policy (20 tries, 1 s apart) made a save during an outage take 10 s or more
# (bench/results/fault_recovery.md). Runs keep their results in the database anyway.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": CQR_PUBLISH_RETRY_POLICY,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Re-planning after catalog changes (matching.services.staleness): the beat job looks every
# minute, and re-plans once the catalog has been quiet this long (a series of imports is
# planned once), but never leaves a stale run waiting longer than the maximum.
CQR_REPLAN_QUIET_SECONDS = env_int("CQR_REPLAN_QUIET_SECONDS", 60)
CQR_REPLAN_MAX_WAIT_SECONDS = env_int("CQR_REPLAN_MAX_WAIT_SECONDS", 600)
CELERY_BEAT_SCHEDULE = {
    "replan-stale-runs": {"task": "matching.tasks.replan_stale_task", "schedule": 60.0},
    "resend-lost-runs": {"task": "matching.tasks.resend_lost_runs_task", "schedule": 30.0},
    "resend-lost-csv-imports": {
        "task": "catalog.tasks.resend_lost_csv_import_jobs_task",
        "schedule": 300.0,
    },
    # Hourly; each reminder is sent once, so running it again sends nothing new.
    "send-reminders": {"task": "followup.tasks.send_reminders_task", "schedule": 3600.0},
    # An outline version dated to start today becomes current (and its runs stale).
    "refresh-current-outlines": {
        "task": "catalog.tasks.refresh_current_outlines_task",
        "schedule": 3600.0,
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call then gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.api.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_policies.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_policies.AnonIPThrottle",
        "core.api_policies.UserThrottle",
    ],
}
# Requests per period ("N/second|minute|hour|day"): per anonymous IP and per signed-in user.
CQR_API_THROTTLE_ANON = env_str("CQR_API_THROTTLE_ANON", "120/minute")
CQR_API_THROTTLE_USER = env_str("CQR_API_THROTTLE_USER", "1200/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "CQR CE planning portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DESCRIPTION": (
        "Public course search, provider catalog management (cqr-catalog/1) and technologists' "
        "prescriptions (cqr-prescription/1), matching runs and bundles (cqr-recommendation/1). "
        "Authenticate with a token from POST /api/v1/auth/token/ (header "
        "`Authorization: Token <key>`) or with a browser session. Every error has the shape "
        '`{"error": {"code": ..., "message": ..., "details": [...]}}`.'
    ),
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CourseFormatEnum": "catalog.models.CourseFormat",
        "PrescriptionKindEnum": "prescriptions.models.Prescription.Kind",
        "ExtraRequirementKindEnum": "prescriptions.models.ExtraRequirement.Kind",
        "PurchaseKindEnum": "matching.models.BundlePurchase.Kind",
        "RunStatusEnum": "matching.models.MatchingRun.Status",
        "PlanItemStatusEnum": "plans.models.PlanItem.Status",
        "PrescriptionStatusEnum": "prescriptions.models.Prescription.Status",
        "CatalogFormatEnum": [("cqr-catalog/1", "cqr-catalog/1")],
        "PrescriptionFormatEnum": [("cqr-prescription/1", "cqr-prescription/1")],
        "RecommendationFormatEnum": [("cqr-recommendation/1", "cqr-recommendation/1")],
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Production hardening: on whenever debug is off (see `manage.py check --deploy`).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_HTTPONLY = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
    # Every 4xx is logged as a warning by default; clients' mistakes are not ours to alert on.
    "loggers": {
        "django.request": {"level": env_str("DJANGO_REQUEST_LOG_LEVEL", "ERROR")},
        "django.security": {"level": "WARNING"},
        # pypdf warns about damage it reads around ("EOF marker not found"); the user gets
        # our own message about the file, so its warnings would only repeat it on stderr.
        "pypdf": {"level": "ERROR"},
    },
}
