"""Settings, read from the environment (django-environ).

With no variable set the project runs on the embedded default: DEBUG on, SQLite and
uploaded files under ``var/``, the local SCORM provider, Celery tasks run in-process.
Production (``DEBUG=false``) requires ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
Every variable is listed in ``.env.example``.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
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
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Values bound by the server, so a query's text is the same on every run and psycopg
    # prepares it after a few runs on a connection: the hot paths (the poll, the commit, the
    # session) skip PostgreSQL's parsing and planning. Off behind a pooler that cannot keep
    # prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://lms")}
if CACHES["default"]["BACKEND"].endswith(".RedisCache"):
    # A cache that does not answer is an error, not a wait (core.shared_cache).
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_timeout=2, socket_connect_timeout=2)
# Every page and every progress poll reads the session: from the cache, written through to the
# database, which stays the truth (a flushed or restarted cache signs no one out; a cache that
# is down fails no page: core.sessions).
SESSION_ENGINE = "core.sessions"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "core",
    "courses",
    "enrollments",
    "playback",
    "gradebook",
]

MIDDLEWARE = [
    # Load balancers probe /healthz and /readyz by address: take their Host as sent.
    "core.middleware.probes_skip_host_check",
    "django.middleware.security.SecurityMiddleware",
    # Package content is answered on its own origin before anything reads a cookie.
    "playback.middleware.ContentOriginMiddleware",
    # So are the local run-time's routes, authorised by the launch token in their bodies.
    "playback.middleware.RuntimeRoutesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
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
                "csp.context_processors.nonce",
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
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
    # The admin's resumable package upload client (tus protocol), from the same lock file.
    ("vendor/tus-js-client", BASE_DIR / "node_modules" / "tus-js-client" / "dist"),
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
# S3-compatible storage (django-storages): FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage.
# Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the machine's role (boto3).
if STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage":
    from boto3.s3.transfer import TransferConfig

    _transfers = TransferConfig(max_concurrency=4)  # multipart, in parts of 8 MiB
    # s3transfer's own bound, which boto3's constructor does not take: at most two parts read
    # ahead of the upload, so memory stays ~30 MB whatever a file's size (the default is ten).
    _transfers.max_in_memory_upload_chunks = 2
    if not env.str("AWS_STORAGE_BUCKET_NAME", default=""):
        raise ImproperlyConfigured("S3 storage needs AWS_STORAGE_BUCKET_NAME")
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,  # empty: AWS
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
        "location": env.str("AWS_LOCATION", default=""),  # a key prefix inside the bucket
        "signature_version": "s3v4",
        "default_acl": None,  # private objects: content is read through the LMS or signed URLs
        "querystring_auth": True,
        # Never replace a stored object: names are made unique as on disk (a failed package's
        # clean-up must not delete a zip another package stored under the same name).
        "file_overwrite": False,
        # A package read back from the bucket spools to a temporary file past this, not memory.
        "max_memory_size": FILE_UPLOAD_MAX_MEMORY_SIZE,
        "transfer_config": _transfers,
    }
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # CMI commits: suspend_data alone may be 64000 chars
# How package content leaves the server (playback/content.py): "app" (the app sends it: sendfile
# for local files, one ranged GET per request on S3); "redirect" (S3: media of at least
# SCORM_CONTENT_REDIRECT_MIN_BYTES get a 302 to a signed URL valid SCORM_CONTENT_URL_MAX_AGE
# seconds, the rest as "app"); "x-accel-redirect" (nginx sends local files from an internal
# location, SCORM_CONTENT_ACCEL_PREFIX, mapped to MEDIA_ROOT); "x-sendfile" (Apache);
# "auth-request" (nginx as deploy/nginx-content.conf sets it up: nginx asks the app whether a
# grant may read a package, keeps the yes SCORM_CONTENT_GRANT_CACHE_SECONDS at most, and sends
# the package's local files itself).
SCORM_CONTENT_DELIVERY = env.str("SCORM_CONTENT_DELIVERY", default="app")
SCORM_CONTENT_REDIRECT_MIN_BYTES = env.int("SCORM_CONTENT_REDIRECT_MIN_BYTES", default=1024**2)
SCORM_CONTENT_URL_MAX_AGE = env.int("SCORM_CONTENT_URL_MAX_AGE", default=60 * 60)
SCORM_CONTENT_ACCEL_PREFIX = env.str("SCORM_CONTENT_ACCEL_PREFIX", default="/_content/")
SCORM_CONTENT_GRANT_CACHE_SECONDS = env.int("SCORM_CONTENT_GRANT_CACHE_SECONDS", default=30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security. The exit page relaxes framing to SAMEORIGIN itself.
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Providers' postbacks count a 3xx as delivered: never redirect the receivers.
    SECURE_REDIRECT_EXEMPT = [r"^hooks/", r"^healthz$", r"^readyz$"]  # and probes
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
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs as LOGGING says (LOG_FORMAT)

# The absolute base of this site, for URLs handed to providers (exit pages, postbacks, webhooks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Package content runs on an origin of its own (core/origins.py): in production a separate
# registrable domain (e.g. https://content.example-lms-content.net) served by this same app.
# Empty: derived from the address the LMS is reached at (localhost <-> 127.0.0.1), DEBUG only.
SCORM_CONTENT_ORIGIN = env.str("SCORM_CONTENT_ORIGIN", default="").rstrip("/")
if SCORM_CONTENT_ORIGIN and "*" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, urlsplit(SCORM_CONTENT_ORIGIN).hostname or ""]

# Content-Security-Policy on every LMS page (django-csp; core/csp.py adds the frames: the
# content origin and the remote providers' players). Inline scripts carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Login throttling (django-axes), on the site's and the admin's login alike: after
# LOGIN_FAILURE_LIMIT failures a username is refused from that address for
# LOGIN_LOCKOUT_MINUTES (by username and address together, so nobody can lock a learner out
# from elsewhere). Behind a proxy, LOGIN_PROXY_COUNT says how many X-Forwarded-For hops to trust.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("LOGIN_PROXY_COUNT", default=0) or None
AXES_VERBOSE = False

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
# Resumable package uploads in the admin: chunk size (the most one request may carry), and how
# long an unfinished upload's chunks are kept.
SCORM_UPLOAD_CHUNK_BYTES = env.int("SCORM_UPLOAD_CHUNK_BYTES", default=8 * 1024**2)
SCORM_UPLOAD_EXPIRY_HOURS = env.int("SCORM_UPLOAD_EXPIRY_HOURS", default=24)

# Learner-facing player and progress panel.
SCORM_LAUNCH_TOKEN_MAX_AGE = env.int("SCORM_LAUNCH_TOKEN_MAX_AGE", default=4 * 60 * 60)
SCORM_PROGRESS_POLL_SECONDS = env.int("SCORM_PROGRESS_POLL_SECONDS", default=3)
# A remote attempt's result is read at most once per this interval however many panels poll
# (longer when more attempts share the provider's read budget, see SCORM_READ_BUDGETS).
SCORM_REFRESH_MIN_INTERVAL_SECONDS = env.int("SCORM_REFRESH_MIN_INTERVAL_SECONDS", default=10)
# After the LMS learns a remote attempt completed, keep reading it this long unless a score and
# a pass/fail are known: the score may follow the status. Must outlast the interval above (a
# system check holds it). The window after the learner leaves is each provider's own
# ``exit_settle_seconds``.
SCORM_COMPLETION_SETTLE_SECONDS = env.int("SCORM_COMPLETION_SETTLE_SECONDS", default=30)
# Reads of results each remote provider allows per window, by provider identifier ("default"
# for any other; 0: no limit), shared by all processes through the cache. Refreshes leave the
# reserve fraction to notifications (webhooks, postbacks), which are served first.
SCORM_READ_BUDGETS = env.dict(
    "SCORM_READ_BUDGETS",
    cast={"value": int},
    default={"default": 60, "allure_connect": 20},
)
SCORM_READ_BUDGET_WINDOW_SECONDS = env.int("SCORM_READ_BUDGET_WINDOW_SECONDS", default=60)
SCORM_READ_NOTIFICATION_RESERVE = env.float("SCORM_READ_NOTIFICATION_RESERVE", default=0.25)
# The progress panel's rendered fragment is kept in the cache this long (0: never): a poll with
# nothing new then costs no SQL. Only with a cache all processes share (CACHE_URL), since every
# result written anywhere must invalidate it.
SCORM_PANEL_CACHE_SECONDS = env.int(
    "SCORM_PANEL_CACHE_SECONDS", default=30 if env.str("CACHE_URL", "") else 0
)
# The gradebook's summary and charts of a course are kept this long (0: never) while no
# learner's result in it changes; as above, only with a shared cache.
GRADEBOOK_SUMMARY_CACHE_SECONDS = env.int(
    "GRADEBOOK_SUMMARY_CACHE_SECONDS", default=300 if env.str("CACHE_URL", "") else 0
)

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

# LOG_FORMAT=json writes one JSON object per line (core/jsonlog.py), for log collectors; the
# worker logs the same way (Celery leaves the root logger to these settings).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # urllib3 and botocore log request lines; keep them quiet so URLs with tokens or
        # signatures never reach the logs.
        "urllib3": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},
        "s3transfer": {"level": "WARNING"},
    },
}

# /healthz and /readyz (core/health.py): a check that has not answered by then has failed.
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=3.0)
