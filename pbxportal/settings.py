"""Settings, read only from the environment through django-environ.

Every value has an embedded default that needs no server: SQLite and a
filesystem Celery broker under var/, the sandbox PBX on loopback. Production
switches with DATABASE_URL, CELERY_BROKER_URL, REDIS_URL and DJANGO_SECURE=1.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ

from pbxportal.database_settings import default_database

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("PBXPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A key generated once per checkout, so local runs need no setup and keep sessions."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
# Credentials of PBX accounts are encrypted with keys derived from this list
# (first one encrypts, all decrypt: rotate by prepending a new key).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[SECRET_KEY])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where the PBX reaches us: used to build the webhook and caller lookup URLs shown to admins.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SANDBOX_PBX_URL = env.str("SANDBOX_PBX_URL", default="http://127.0.0.1:8010").rstrip("/")
# Connections to a PBX idle for less than this are reused (calls/pbx/http.kept_session);
# 0 opens a new one for every request. Keep it well under the PBX's keep-alive timeout.
PBX_KEEPALIVE_SECONDS = env.float("PBX_KEEPALIVE_SECONDS", default=2.0)
# Threads of a web process serving synchronous views (pbxportal/asgi.py): its requests
# in flight at once. Each holds a pooled database connection while it runs.
WEB_THREADS = env.int("WEB_THREADS", default=16)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Failed logins counted per user and per address; the admin lists and unlocks them.
    "axes",
    "calls",
    "contacts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "calls.middleware.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pbxportal.urls"
WSGI_APPLICATION = "pbxportal.wsgi.application"
ASGI_APPLICATION = "pbxportal.asgi.application"

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
                "django.template.context_processors.i18n",
                "calls.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": default_database(env, VAR_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's ModelBackend, but a session's user comes with their agent and language in
# one query. django-axes' backend goes first: it refuses a locked-out user or address
# before any password is hashed, and hashes nothing itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "calls.auth_backend.UserWithAgentBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ro", "Română"), ("nl", "Nederlands"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="RO")

MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names need `collectstatic` first: production sets STATIC_MANIFEST=1.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve straight from the app folders when collectstatic has not run (local runs, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

# --- Celery -----------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    # kombu's filesystem transport, writing each message whole (pbxportal/broker.py)
    CELERY_BROKER_TRANSPORT = "pbxportal.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # Safe to poll often: messages are written whole (pbxportal/broker.py).
        "polling_interval": env.float("CELERY_POLLING_INTERVAL", default=0.02),
    }
    _default_results = f"file://{VAR_DIR / 'celery-results'}"
    (VAR_DIR / "celery-results").mkdir(exist_ok=True)
else:
    # Two installations (or test runs) on one Redis keep their queues apart by a prefix.
    _broker_prefix = env.str("CELERY_BROKER_KEY_PREFIX", default="")
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": _broker_prefix} if _broker_prefix else {}
    _default_results = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results) or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# Clicks get their own queue and worker (the Procfile's `calls`, a thread pool): a
# contact import or a PBX that takes its full read timeout to answer must not hold up
# every other agent's call behind a two-process pool.
CALLS_QUEUE = "calls"
CELERY_TASK_ROUTES = {"calls.originate": {"queue": CALLS_QUEUE}}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Opening a database connection per task was a quarter of the originate task's time.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_IGNORE_RESULT = True
# Celery keeps its result backend per thread, and every web thread enqueues calls:
# each built its own Redis backend (2 of the POST's 4 ms of
# enqueueing). The Redis backend's connection pool is safe to share.
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A click must not hang on a dead broker: fail fast, the call is marked failed with a reason.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TIMEZONE = TIME_ZONE

CELERY_BEAT_SCHEDULE = {
    "housekeeping": {"task": "calls.housekeeping", "schedule": 60.0},
}
# The agents' phone status at the PBX (While1 users-status), for the live board; shown as
# unknown once three readings in a row are missing (calls/board/presence.py).
PRESENCE_REFRESH_SECONDS = env.float("PRESENCE_REFRESH_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE["agent-phones"] = {
    "task": "calls.refresh_presence",
    "schedule": PRESENCE_REFRESH_SECONDS,
    # A reading older than the next one is worth nothing: never let them pile up.
    "options": {"expires": PRESENCE_REFRESH_SECONDS},
}
# How often the event applier (manage.py apply_events) looks for queued webhook requests
# when it has nothing to do: the most a PBX event waits before it is applied.
WEBHOOK_APPLY_POLL_SECONDS = env.float("WEBHOOK_APPLY_POLL_SECONDS", default=0.025)
# On PostgreSQL a stored request wakes it (LISTEN/NOTIFY); it looks anyway this often.
WEBHOOK_APPLY_FALLBACK_SECONDS = env.float("WEBHOOK_APPLY_FALLBACK_SECONDS", default=1.0)
# A call with no news from the PBX for this long is closed with a reason.
STUCK_RINGING_MINUTES = env.int("STUCK_RINGING_MINUTES", default=3)
# Lost originate messages (a worker killed after taking one; the filesystem broker drops
# it, Redis gives it back only after its visibility timeout, an hour):
# calls/maintenance/housekeeping.py recover_lost_originates sends a still-queued call
# again after ORIGINATE_RESEND_SECONDS (longer than the longest retry pause, 8 s) and
# fails one left originating longer than a
# PBX request may take (connect 5 s + read 15 s), never sending it again.
ORIGINATE_RESEND_SECONDS = env.int("ORIGINATE_RESEND_SECONDS", default=10)
ORIGINATE_ORPHANED_SECONDS = env.int("ORIGINATE_ORPHANED_SECONDS", default=30)
LOST_ORIGINATE_SWEEP_SECONDS = env.float("LOST_ORIGINATE_SWEEP_SECONDS", default=15.0)
CELERY_BEAT_SCHEDULE["lost-originates"] = {
    "task": "calls.lost_originates",
    "schedule": LOST_ORIGINATE_SWEEP_SECONDS,
    "options": {"expires": LOST_ORIGINATE_SWEEP_SECONDS},
}
STUCK_ANSWERED_HOURS = env.int("STUCK_ANSWERED_HOURS", default=4)
# Calls made but no event from the PBX for this long: the project is flagged in admin.
PBX_SILENCE_MINUTES = env.int("PBX_SILENCE_MINUTES", default=10)
# The webhook log (every request a PBX sent) is kept this many days; requests still
# waiting for the event applier are never dropped.
WEBHOOK_LOG_DAYS = env.int("WEBHOOK_LOG_DAYS", default=30)
# Housekeeping reports queued webhook requests older than this (is the applier running?).
EVENTS_LATE_SECONDS = env.int("EVENTS_LATE_SECONDS", default=60)

# Live updates: Redis pub/sub when set, a cheap database poll otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
# Channels are named <prefix>:agent:<id> and <prefix>:project:<id>. Pub/sub ignores the
# Redis db number, so two installations (or test runs) on one Redis need two prefixes.
LIVE_CHANNEL_PREFIX = env.str("LIVE_CHANNEL_PREFIX", default="pbxportal")

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: an address that keeps sending wrong tokens waits (calls/api/throttling.py).
        "calls.api.throttling.RefuseWhileGuessing",
        "calls.api.auth.TokenWithAgentAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "calls.api.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "pbxportal API",
    "DESCRIPTION": "Originate calls, read call logs and provision PBX accounts.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security -----------------------------------------------------------------
# DJANGO_SECURE=1 behind HTTPS in production; local runs are plain http on loopback.
_SECURE = env.bool("DJANGO_SECURE", default=False)
SECURE_SSL_REDIRECT = _SECURE
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Logins (/login/ and /admin/login/): after AXES_FAILURE_LIMIT wrong passwords for one
# username, or from one address, that username or address waits AXES_COOLOFF_MINUTES.
# An admin unlocks at once by deleting the entry under "Access attempts" in the admin.
# Counted in the database, so every web process sees the same count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "calls.login_lockout.locked_out"
# Failed API token checks: after this many from one address, that address waits.
API_FAILED_AUTH_RATE = env.str("API_FAILED_AUTH_RATE", default="20/min")

# Content-Security-Policy (django-csp): pages load only our own scripts, styles and
# connections (vendored JS in static/, no CDN, no inline script or style). The API docs
# page alone allows its one inline <style> (calls/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Logging: every record passes the redaction filter ------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "pbxportal.logging.RedactSecretsFilter"},
        "quiet_forbidden": {"()": "pbxportal.quiet_forbidden.QuietPermissionDenied"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # uvicorn's own access line, so the server's access log passes the filter too.
        "access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": '%(asctime)s %(levelprefix)s %(client_addr)s - "%(request_line)s" '
            "%(status_code)s",
            "use_colors": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"},
        "access": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "access"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Our access-line handler (tokens in the webhook URLs masked), not uvicorn's own.
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        # A 403 logs its one line without a traceback (a PermissionDenied is no error).
        "django.request": {"filters": ["quiet_forbidden"]},
    },
}

# --- Callbacks and contacts import ------------------------------------------------
# The nav badge of open callbacks. Celery's autodiscovery looks only in <app>.tasks: the
# tasks that live by flow (calls/outbound/, calls/live/, calls/maintenance/) are named here.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("calls.callbacks.context.open_callbacks")
CELERY_IMPORTS = [
    "contacts.imports.tasks",
    "calls.outbound.tasks",
    "calls.live.waiting",
    "calls.maintenance.tasks",
]

# --- Call history sync (calls/events/history_sync.py) ------------------------------
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", []), "calls.events.history_sync"]
# Every minute: today and yesterday (UTC) of every project whose PBX lists its calls
# (VoipCenter). It also ends the calls whose hangup the live stream missed, so none stays
# open long after it ended.
CELERY_BEAT_SCHEDULE["sync-vendor-calls"] = {
    "task": "calls.sync_vendor_calls",
    "schedule": 60.0,
    "kwargs": {"days": 2},
}
