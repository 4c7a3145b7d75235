"""OneStop settings: one module, driven by the environment.

A fresh checkout runs with no services: SQLite in ``var/``, a filesystem Celery broker and a
generated development secret. Production sets ``DEBUG=0`` and provides ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``CELERY_BROKER_URL``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONESTOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from exc


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def development_secret_key():
    """A random key kept in var/ so sessions survive a restart of the development server."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "onestop",
    "deployment",
    "diagnosis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "onestop.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "onestop.urls"
WSGI_APPLICATION = "onestop.wsgi.application"
ASGI_APPLICATION = "onestop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onestop.tenancy.current_company",
                "onestop.roles.desk_role_context",
                "onestop.views.notifications.unread_count",
            ],
        },
    },
]

# Database: SQLite by default so a fresh checkout runs; PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'onestop.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["CACHE_URL"],
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "onestop.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
# Guessing passwords: failed sign-ins allowed per account and per client address within the
# window (which opens at the first failure); then even the right password waits. Password reset
# mail: requests per e-mail address and per client address within its window. Counted in the
# cache: set CACHE_URL (Redis) when several web processes serve.
ONESTOP_SIGNIN_FAILURES_PER_ACCOUNT = env_int("ONESTOP_SIGNIN_FAILURES_PER_ACCOUNT", 5)
ONESTOP_SIGNIN_FAILURES_PER_ADDRESS = env_int("ONESTOP_SIGNIN_FAILURES_PER_ADDRESS", 20)
ONESTOP_SIGNIN_WINDOW_SECONDS = env_int("ONESTOP_SIGNIN_WINDOW_SECONDS", 15 * 60)
ONESTOP_PASSWORD_RESETS_PER_EMAIL = env_int("ONESTOP_PASSWORD_RESETS_PER_EMAIL", 3)
ONESTOP_PASSWORD_RESETS_PER_ADDRESS = env_int("ONESTOP_PASSWORD_RESETS_PER_ADDRESS", 10)
ONESTOP_PASSWORD_RESET_WINDOW_SECONDS = env_int("ONESTOP_PASSWORD_RESET_WINDOW_SECONDS", 3600)

# Korean first, English too.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "onestop" / "locale"]
TIME_ZONE = "Asia/Seoul"
FORMAT_MODULE_PATH = ["onestop.formats"]
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise; media (uploads) live outside static, never served
# by the static handler.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "onestop" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Upload limits. Large files stream to disk; the request body cap protects form posts.
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 10)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
ONESTOP_MAX_UPLOAD_BYTES = env_int("ONESTOP_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# Course certificates (PDF, PNG or JPEG, told by content), stored under random names and served
# only through the portal's checks (diagnosis/skills/certificates.py): outside MEDIA_ROOT, so
# a server that serves media never hands one out unchecked.
ONESTOP_CERTIFICATE_ROOT = Path(
    os.environ.get("ONESTOP_CERTIFICATE_ROOT", VAR_DIR / "certificates")
)
ONESTOP_CERTIFICATE_MAX_BYTES = env_int("ONESTOP_CERTIFICATE_MAX_BYTES", 10 * 1024 * 1024)

# Data checks: uploaded samples of a company's data. Files live outside MEDIA_ROOT and are
# never served directly; a workbook may unpack to at most this much (zip bombs).
ONESTOP_DATA_ROOT = Path(os.environ.get("ONESTOP_DATA_ROOT", VAR_DIR / "data-checks"))
ONESTOP_UPLOAD_MAX_UNPACKED_BYTES = env_int("ONESTOP_UPLOAD_MAX_UNPACKED_BYTES", 1024**3)
ONESTOP_UPLOAD_MAX_ARCHIVE_ENTRIES = env_int("ONESTOP_UPLOAD_MAX_ARCHIVE_ENTRIES", 10_000)
ONESTOP_DATA_RETENTION_DAYS = env_int("ONESTOP_DATA_RETENTION_DAYS", 90)
ONESTOP_DATA_CHECKS_PER_COMPANY = env_int("ONESTOP_DATA_CHECKS_PER_COMPANY", 50)
ONESTOP_DATA_JOBS_AT_ONCE = env_int("ONESTOP_DATA_JOBS_AT_ONCE", 3)
ONESTOP_FEASIBILITY_MAX_ROWS = env_int("ONESTOP_FEASIBILITY_MAX_ROWS", 100_000)
# The widest table a data check reads, checked before parsing (a file past either is refused
# with a message), and the budget of each profile, study and evaluation job: it runs in its own
# process and fails with a reason when it needs more memory or time.
ONESTOP_DATA_MAX_COLUMNS = env_int("ONESTOP_DATA_MAX_COLUMNS", 1_000)
ONESTOP_DATA_MAX_LINE_BYTES = env_int("ONESTOP_DATA_MAX_LINE_BYTES", 1024**2)
ONESTOP_DATA_JOB_MEMORY_BYTES = env_int("ONESTOP_DATA_JOB_MEMORY_BYTES", 4 * 1024**3)
ONESTOP_DATA_JOB_CPU_SECONDS = env_int("ONESTOP_DATA_JOB_CPU_SECONDS", 60 * 60)
ONESTOP_DATA_JOB_WALL_SECONDS = env_int("ONESTOP_DATA_JOB_WALL_SECONDS", 20 * 60)
# The largest file a job may write (a workbook turned into CSV, a model): one upload never
# fills the disk that every company shares.
ONESTOP_DATA_JOB_FILE_BYTES = env_int("ONESTOP_DATA_JOB_FILE_BYTES", 4 * 1024**3)

# The model catalog: ONNX artifacts by content hash, and the limits of the sandboxed process
# that validates each upload (docs/catalog-and-matching.md).
ONESTOP_MODEL_ROOT = Path(os.environ.get("ONESTOP_MODEL_ROOT", VAR_DIR / "models"))
ONESTOP_MAX_MODEL_BYTES = env_int("ONESTOP_MAX_MODEL_BYTES", 500 * 1024 * 1024)
ONESTOP_ONNX_VALIDATION_MEMORY_BYTES = env_int("ONESTOP_ONNX_VALIDATION_MEMORY_BYTES", 4 * 1024**3)
ONESTOP_ONNX_VALIDATION_CPU_SECONDS = env_int("ONESTOP_ONNX_VALIDATION_CPU_SECONDS", 60)
ONESTOP_ONNX_VALIDATION_WALL_SECONDS = env_int("ONESTOP_ONNX_VALIDATION_WALL_SECONDS", 120)
# A partner with this many versions waiting for or under validation uploads the next one later.
ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER = env_int("ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER", 3)
# The endpoint page's curl example writes out at most this many values per request; a model
# taking more gets an example with an empty "data" list and a note.
ONESTOP_SNIPPET_MAX_VALUES = env_int("ONESTOP_SNIPPET_MAX_VALUES", 4096)
# A pool whose provider has not reported for this long is shown as unavailable.
ONESTOP_POOL_HEARTBEAT_SECONDS = env_int("ONESTOP_POOL_HEARTBEAT_SECONDS", 300)
# Serving: intra-op threads per run (worker processes give the concurrency) and how many model
# sessions one process keeps.
ONESTOP_SERVING_THREADS = env_int("ONESTOP_SERVING_THREADS", 1)
ONESTOP_SERVING_SESSIONS = env_int("ONESTOP_SERVING_SESSIONS", 16)
# A verified endpoint key (and its endpoint's state) is reused for this many seconds without a
# database query; a key revoked or an endpoint stopped elsewhere stops answering within it.
ONESTOP_SERVING_KEY_CACHE_SECONDS = env_int("ONESTOP_SERVING_KEY_CACHE_SECONDS", 5)
# `manage.py serve` (and so `make run`): uvicorn worker processes, and the threads each gives
# inference calls that do not run on its event loop (slow models, first calls, batching).
ONESTOP_WEB_WORKERS = env_int("ONESTOP_WEB_WORKERS", 1)
ONESTOP_WEB_THREADS = env_int("ONESTOP_WEB_THREADS", 8)
# Request tallies are written to the database this often by each serving process.
ONESTOP_METERING_FLUSH_SECONDS = env_int("ONESTOP_METERING_FLUSH_SECONDS", 10)
# A deploy step not finished within this many seconds was abandoned (its worker died): the
# sweeper retries it, up to ONESTOP_DEPLOY_ATTEMPTS times, then fails the endpoint.
# Longer than a deploy task may run (its time limit is 660 s), so a slow step still running is
# never taken for an abandoned one.
ONESTOP_DEPLOY_STEP_SECONDS = env_int("ONESTOP_DEPLOY_STEP_SECONDS", 900)
ONESTOP_DEPLOY_ATTEMPTS = env_int("ONESTOP_DEPLOY_ATTEMPTS", 3)
# How long the warming step waits for a Ray cluster to start an endpoint's replicas and for
# them to answer a probe through the gateway.
ONESTOP_CLUSTER_START_SECONDS = env_int("ONESTOP_CLUSTER_START_SECONDS", 300)
# Training jobs (docs/training.md): how many a company runs or queues at once, the largest
# budget and share of a pool one may ask for, the steps of a fit (a checkpoint after each),
# how long a run asked to stop (its units taken back) may finish its step before it is ended,
# and the longest one run may last. A company without a GPU grant borrows under a grant of no
# guaranteed units that lasts ONESTOP_TRAINING_BORROW_DAYS.
ONESTOP_TRAINING_JOBS_AT_ONCE = env_int("ONESTOP_TRAINING_JOBS_AT_ONCE", 2)
ONESTOP_TRAINING_MAX_BUDGET_UNIT_HOURS = env_int("ONESTOP_TRAINING_MAX_BUDGET_UNIT_HOURS", 500)
ONESTOP_TRAINING_MAX_UNITS = env_int("ONESTOP_TRAINING_MAX_UNITS", 4)
ONESTOP_TRAINING_STEPS = env_int("ONESTOP_TRAINING_STEPS", 10)
ONESTOP_TRAINING_STOP_SECONDS = env_int("ONESTOP_TRAINING_STOP_SECONDS", 60)
ONESTOP_TRAINING_RUN_WALL_SECONDS = env_int("ONESTOP_TRAINING_RUN_WALL_SECONDS", 6 * 3600)
ONESTOP_TRAINING_BORROW_DAYS = env_int("ONESTOP_TRAINING_BORROW_DAYS", 30)
ONESTOP_TRAINING_CHECKPOINT_MAX_BYTES = env_int(
    "ONESTOP_TRAINING_CHECKPOINT_MAX_BYTES", 512 * 1024 * 1024
)
# Upload routes only a training or scoring run on a cluster calls get their large body limit
# only with a sound run token (onestop/bodylimits.py).
ONESTOP_UPLOAD_GATES = dict.fromkeys(
    ("compute_training_checkpoint", "compute_training_model", "compute_scoring_chunk"),
    "deployment.compute.tokens.run_token_sound",
)
# Batch scoring jobs a company runs or queues at once (docs/batch-scoring.md), and where the
# endpoints' drop folders live (a plant's share mounted there on an installation on its
# premises); a dropped file is taken once it has not changed for ONESTOP_DROP_SETTLE_SECONDS.
ONESTOP_SCORING_JOBS_AT_ONCE = env_int("ONESTOP_SCORING_JOBS_AT_ONCE", 2)
ONESTOP_DROP_ROOT = Path(os.environ.get("ONESTOP_DROP_ROOT", VAR_DIR / "drop-folders"))
ONESTOP_DROP_SETTLE_SECONDS = env_int("ONESTOP_DROP_SETTLE_SECONDS", 60)
# Operators' Prometheus scraper: `Authorization: Bearer <token>` at /metrics (staff may also
# read it signed in). Empty: staff only.
ONESTOP_METRICS_TOKEN = os.environ.get("ONESTOP_METRICS_TOKEN", "")

# Fonts embedded in PDF reports: the first that exists is used (Debian: fonts-nanum). Without
# one, PDFs fall back to a standard Korean font the reader supplies (not embedded).
ONESTOP_PDF_FONTS = env_list(
    "ONESTOP_PDF_FONTS",
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf,"
    "/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
)

# E-mail: printed to the console in development.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OneStop <noreply@onestop.local>")

# Security headers; production defaults, relaxed only in DEBUG.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes speak plain HTTP inside the cluster; a redirect would hide a 503.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# A proxy in front (a load balancer ending TLS) says so in X-Forwarded-Proto and
# X-Forwarded-For; without one those headers come from the caller and are never believed.
# `manage.py serve` lets uvicorn read them only from ONESTOP_PROXY_ADDRESSES.
ONESTOP_BEHIND_PROXY = env_bool("ONESTOP_BEHIND_PROXY", False)
ONESTOP_PROXY_ADDRESSES = env_list("ONESTOP_PROXY_ADDRESSES", "127.0.0.1")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if ONESTOP_BEHIND_PROXY else None
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Where seed_demo writes the demo endpoint's inference key (development only).
ONESTOP_DEMO_CREDENTIALS = Path(
    os.environ.get("ONESTOP_DEMO_CREDENTIALS", VAR_DIR / "demo-credentials.json")
)

# Partner API.
API_KEY_PREFIX = "os"
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "onestop.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["onestop.api.throttling.PerCredentialThrottle"],
    "DEFAULT_THROTTLE_RATES": {"credential": API_THROTTLE_RATE},
    "DEFAULT_PAGINATION_CLASS": "onestop.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "onestop.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OneStop partner API",
    "DESCRIPTION": "For model vendors, compute providers and integrators. "
    "Authenticate with `Authorization: Bearer <API key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Row ids in API paths (onestop.api.converters.RowId): whole numbers of up to 18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    # Swagger UI served from this server: the docs page must work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Celery: a broker that needs no server by default (kombu's filesystem transport in var/).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_folder = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "processed_folder": str(_broker_folder / "processed"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
if CELERY_BROKER_URL.startswith("redis"):
    # A task is delivered again if it is not acknowledged within this time; training runs take
    # hours and acknowledge at the end, so the window is longer than the longest run.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("ONESTOP_TRAINING_RUN_WALL_SECONDS", 6 * 3600) + 3600
    }
CELERY_RESULT_BACKEND = (
    os.environ.get(
        "CELERY_RESULT_BACKEND",
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    )
    or None
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 20 * 60)
# Queues by kind of work, each consumed by its own worker with its own processes, so a flood of
# one kind (a vendor's hundred uploads, a plant's big files) never delays another. `manage.py
# serve` starts one worker per queue with this many processes. A task not routed below runs on
# "default" (housekeeping: purges, usage roll-ups and reviews, ping).
ONESTOP_WORKER_CONCURRENCY = {
    "validation": env_int("ONESTOP_WORKER_CONCURRENCY_VALIDATION", 1),
    "profiling": env_int("ONESTOP_WORKER_CONCURRENCY_PROFILING", 2),
    "deployment": env_int("ONESTOP_WORKER_CONCURRENCY_DEPLOYMENT", 2),
    "mail": env_int("ONESTOP_WORKER_CONCURRENCY_MAIL", 1),
    "heartbeats": env_int("ONESTOP_WORKER_CONCURRENCY_HEARTBEATS", 1),
    "training": env_int("ONESTOP_WORKER_CONCURRENCY_TRAINING", 1),
    "scoring": env_int("ONESTOP_WORKER_CONCURRENCY_SCORING", 1),
    "drops": env_int("ONESTOP_WORKER_CONCURRENCY_DROPS", 1),
    "default": env_int("ONESTOP_WORKER_CONCURRENCY_DEFAULT", 1),
}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "deployment.tasks.validate_model_version": {"queue": "validation"},
    "diagnosis.tasks.profile_data_check": {"queue": "profiling"},
    "diagnosis.tasks.run_feasibility_study": {"queue": "profiling"},
    "diagnosis.tasks.evaluate_on_company_data": {"queue": "profiling"},
    "deployment.tasks.deploy_endpoint": {"queue": "deployment"},
    "deployment.tasks.roll_endpoint": {"queue": "deployment"},
    "deployment.tasks.update_cluster_apps": {"queue": "deployment"},
    # Training runs for hours; its own queue keeps it from delaying profiles and deploys.
    "deployment.tasks.run_training_job": {"queue": "training"},
    "deployment.tasks.start_cluster_training": {"queue": "deployment"},
    "deployment.tasks.run_scoring_job": {"queue": "scoring"},
    "deployment.tasks.start_cluster_scoring": {"queue": "scoring"},
    # Reading dropped files from a share may be slow: never in front of a heartbeat.
    "deployment.tasks.scan_drop_folders": {"queue": "drops"},
    "onestop.tasks.send_invitation_email": {"queue": "mail"},
    "onestop.tasks.send_notification_emails": {"queue": "mail"},
    # Pools report and abandoned deploy steps are found on time, whatever else is queued.
    "deployment.tasks.local_pools_heartbeat": {"queue": "heartbeats"},
    "deployment.tasks.cluster_pools_heartbeat": {"queue": "heartbeats"},
    "deployment.tasks.sync_cluster_endpoints": {"queue": "heartbeats"},
    "deployment.tasks.sweep_endpoints": {"queue": "heartbeats"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
