"""Settings, read from the environment (django-environ).

With no variable set the project runs on the embedded default: DEBUG on, SQLite and
uploaded files under ``var/``, the local SCORM provider, Celery tasks run in-process.
Production (``DEBUG=false``) requires ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
Every variable is listed in ``.env.example``.
"""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Real environment variables win over the optional .env file.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="django-insecure-development-only-key-never-in-production"
    )
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
else:
    missing = [
        name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not env.str(name, "")
    ]
    if missing:
        raise ImproperlyConfigured(f"Production settings need: {', '.join(missing)}")
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    DATABASES = {"default": env.db("DATABASE_URL")}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The player commits while the panel polls: let SQLite writers wait instead of failing,
    # and test against a file so the live server's threads get connections of their own.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"lms-test-{os.getpid()}.sqlite3")
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://lms")}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "core",
    "courses",
    "enrollments",
    "playback",
    "gradebook",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "enrollments:my_courses"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Files. Packages go through Django's storage API, so S3-style storage is a settings change.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"  # never served directly: content goes through the authorised player views
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The SCORM run-time (scorm-again), installed from the npm registry by package-lock.json.
    ("vendor/scorm-again", BASE_DIR / "node_modules" / "scorm-again" / "dist"),
]
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger uploads spool to disk
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # CMI commits: suspend_data alone may be 64000 chars

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security. The player and content routes relax framing to SAMEORIGIN themselves.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Providers' postbacks count a 3xx as delivered: never redirect the receivers.
    SECURE_REDIRECT_EXEMPT = [r"^hooks/"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Background work. With no broker, tasks run in-process so the embedded default needs no service.
_broker_url = env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = _broker_url or "memory://"  # never used without a broker: tasks run eagerly
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not _broker_url
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30

# The absolute base of this site, for URLs handed to providers (exit pages, postbacks, webhooks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# SCORM providers: identifier -> dotted path (Django's EMAIL_BACKEND idiom).
SCORM_PROVIDERS = {
    "local": "providers.local.LocalProvider",
    "scorm_cloud": "providers.scorm_cloud.ScormCloudProvider",
    "allure_connect": "providers.allure_connect.AllureConnectProvider",
}
SCORM_DEFAULT_PROVIDER = env.str("SCORM_DEFAULT_PROVIDER", default="local")

# Package intake limits: zips are untrusted input.
SCORM_INTAKE_MAX_UPLOAD_BYTES = env.int("SCORM_INTAKE_MAX_UPLOAD_BYTES", default=1024**3)
SCORM_INTAKE_MAX_ENTRIES = env.int("SCORM_INTAKE_MAX_ENTRIES", default=10_000)
SCORM_INTAKE_MAX_UNCOMPRESSED_BYTES = env.int(
    "SCORM_INTAKE_MAX_UNCOMPRESSED_BYTES", default=2 * 1024**3
)
SCORM_INTAKE_MAX_COMPRESSION_RATIO = env.int("SCORM_INTAKE_MAX_COMPRESSION_RATIO", default=100)
SCORM_INTAKE_MAX_MANIFEST_BYTES = env.int("SCORM_INTAKE_MAX_MANIFEST_BYTES", default=5 * 1024**2)

# Learner-facing player and progress panel.
SCORM_LAUNCH_TOKEN_MAX_AGE = env.int("SCORM_LAUNCH_TOKEN_MAX_AGE", default=4 * 60 * 60)
SCORM_PROGRESS_POLL_SECONDS = env.int("SCORM_PROGRESS_POLL_SECONDS", default=3)
SCORM_REFRESH_MIN_INTERVAL_SECONDS = env.int("SCORM_REFRESH_MIN_INTERVAL_SECONDS", default=5)
# After a remote attempt completes, keep polling this long: the score may follow the status.
# (The window after the learner leaves is each provider's own ``exit_settle_seconds``.)
SCORM_COMPLETION_SETTLE_SECONDS = env.int("SCORM_COMPLETION_SETTLE_SECONDS", default=5)

# Remote providers' connection behaviour.
SCORM_HTTP_CONNECT_TIMEOUT = env.float("SCORM_HTTP_CONNECT_TIMEOUT", default=5.0)
SCORM_HTTP_READ_TIMEOUT = env.float("SCORM_HTTP_READ_TIMEOUT", default=30.0)
SCORM_HTTP_RETRIES = env.int("SCORM_HTTP_RETRIES", default=3)
SCORM_HTTP_BACKOFF_FACTOR = env.float("SCORM_HTTP_BACKOFF_FACTOR", default=0.5)

SCORM_CLOUD_APP_ID = env.str("SCORM_CLOUD_APP_ID", default="")
SCORM_CLOUD_SECRET_KEY = env.str("SCORM_CLOUD_SECRET_KEY", default="")
SCORM_CLOUD_BASE_URL = env.str("SCORM_CLOUD_BASE_URL", default="https://cloud.scorm.com/api/v2")
SCORM_CLOUD_POSTBACK_USER = env.str("SCORM_CLOUD_POSTBACK_USER", default="")
SCORM_CLOUD_POSTBACK_PASSWORD = env.str("SCORM_CLOUD_POSTBACK_PASSWORD", default="")

ALLURE_CONNECT_API_KEY = env.str("ALLURE_CONNECT_API_KEY", default="")
ALLURE_CONNECT_TENANT_ID = env.str("ALLURE_CONNECT_TENANT_ID", default="")
ALLURE_CONNECT_BASE_URL = env.str(
    "ALLURE_CONNECT_BASE_URL", default="https://app.allureconnect.com"
)
ALLURE_CONNECT_WEBHOOK_SECRET = env.str("ALLURE_CONNECT_WEBHOOK_SECRET", default="")
ALLURE_CONNECT_AUTH_HEADER = env.str(
    "ALLURE_CONNECT_AUTH_HEADER", default="bearer"
)  # or "x-api-key"
ALLURE_CONNECT_UPLOAD_FLOW = env.str(
    "ALLURE_CONNECT_UPLOAD_FLOW", default="presigned"
)  # or "legacy"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # urllib3 logs request lines; keep it quiet so URLs with tokens never reach the logs.
        "urllib3": {"level": "WARNING"},
    },
}
