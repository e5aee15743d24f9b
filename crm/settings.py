"""Settings, all from the environment.

`make run` / `make test` start an embedded PostgreSQL and Redis (crm/launcher.py) and export
DATABASE_URL and REDIS_URL; docker-compose sets them to its services. Nothing here starts a
server: importing settings must be free of side effects.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "dev-insecure-key-change-me" if DEBUG or os.environ.get("CRM_TESTING") else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm.core",
    "contacts",
    "sales",
    "marketing",
    "support",
    "analytics",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "crm.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.core.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.core.middleware.TenantMiddleware",
    # After auth: a user's saved language wins over the browser's (accounts area).
    "crm.core.middleware.UserLanguageMiddleware",
    "crm.core.middleware.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "crm.core.context_processors.shell",
                "contacts.context_processors.cti",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Lets a test run (and its Celery worker) use its own database name: CRM_TEST_SLOT keeps
# parallel runs on one machine apart.
# Under pytest-xdist each worker process (gw0, gw1, …) is a slot of its own as well: its
# database, cache keys and Celery queues (and its Celery worker's) carry the worker's name.
_slot = os.environ.get("CRM_TEST_SLOT", "") + os.environ.get("PYTEST_XDIST_WORKER", "")
DATABASES["default"]["TEST"] = {"NAME": f"test_crm{_slot}"}
if os.environ.get("CRM_DB_NAME"):
    DATABASES["default"]["NAME"] = os.environ["CRM_DB_NAME"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis: cache, sessions, celery -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def celery_url(redis_url: str) -> str:
    """Celery spells unix sockets `redis+socket://path?virtual_host=N`."""
    parsed = urlparse(redis_url)
    if parsed.scheme != "unix":
        return redis_url
    db = parse_qs(parsed.query).get("db", ["0"])[0]
    return f"redis+socket://{parsed.path}?virtual_host={db}"


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"crm{_slot}",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
# Idle expiry: the clock restarts on activity. Not by re-saving the session on every request
# (a write transaction and a cache write per page and per htmx call) but at most once a
# minute (crm.core.middleware.SessionIdleRefreshMiddleware): a session ends between
# SESSION_COOKIE_AGE and SESSION_COOKIE_AGE + SESSION_REFRESH_SECONDS after the last request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", "60"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- auth / allauth ---------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if os.environ.get("CRM_TESTING"):
    # The test suite creates thousands of users, each with a password: PBKDF2's 1,000,000
    # rounds cost ~0.5 s a user on the CI machine, a quarter of the suite's time. Tests check
    # what is done with passwords, not the hash's strength; servers keep Django's default.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_ADAPTER = "crm.core.accounts.AccountAdapter"
# Every allauth form gets Bootstrap classes (crm.core.accounts.bootstrap); signup also makes
# the tenant or accepts the invitation.
ACCOUNT_FORMS = {
    "signup": "crm.core.accounts.TenantSignupForm",
    "login": "crm.core.accounts.LoginForm",
    "add_email": "crm.core.accounts.AddEmailForm",
    "change_password": "crm.core.accounts.ChangePasswordForm",
    "set_password": "crm.core.accounts.SetPasswordForm",
    "reset_password": "crm.core.accounts.ResetPasswordForm",
    "reset_password_from_key": "crm.core.accounts.ResetPasswordKeyForm",
    "reauthenticate": "crm.core.accounts.ReauthenticateForm",
}
# Sign-up with an address that already has an account must say so (and create nothing),
# rather than pretend success and mail the owner: a B2B product where people sign up their
# company; login attempts stay rate limited per account and per IP.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CRM] "
# Lockout after repeated failures lives in the cache (Redis): 5 failures per account per
# 15 minutes, then allauth refuses further attempts until the window passes.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/key,20/15m/ip"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CRM"
MFA_FORMS = {
    "authenticate": "crm.core.accounts.MfaAuthenticateForm",
    "reauthenticate": "crm.core.accounts.MfaReauthenticateForm",
    "activate_totp": "crm.core.accounts.ActivateTOTPForm",
    "deactivate_totp": "crm.core.accounts.DeactivateTOTPForm",
    "generate_recovery_codes": "crm.core.accounts.GenerateRecoveryCodesForm",
}

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
CURRENCY = "JPY"

# --- static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules/chart.js/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or os.environ.get("CRM_TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
WHITENOISE_USE_FINDERS = DEBUG or bool(os.environ.get("CRM_TESTING"))

# --- contact import (contacts/importers) ------------------------------------------------------
# Limits that protect the workers from what people upload: the largest file accepted (a
# 1,000,000-row CSV is ~150 MB), how far an .xlsx may inflate (checked on the zip's own
# directory before openpyxl opens it) and the compression ratio above which a member is
# treated as a zip bomb (real sheets compress 5-30x; bombs 1000x). Rows are normalized and
# COPYed in chunks of IMPORT_CHUNK_ROWS, which bounds the memory an import needs.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", 512 * 1024 * 1024))
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)
)
IMPORT_XLSX_MAX_RATIO = int(os.environ.get("IMPORT_XLSX_MAX_RATIO", 200))
IMPORT_CHUNK_ROWS = int(os.environ.get("IMPORT_CHUNK_ROWS", 20_000))
IMPORT_PREVIEW_ROWS = 20
# Exports read the list in keyset chunks of EXPORT_CHUNK_ROWS (memory and queries per chunk
# stay flat); their files are deleted EXPORT_KEEP_DAYS after they were made.
EXPORT_CHUNK_ROWS = int(os.environ.get("EXPORT_CHUNK_ROWS", 2000))
EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", 7))

# --- mail -----------------------------------------------------------------------------------
# The site's own address, for links in mails sent without a request (reminders from beat).
SITE_URL = os.environ.get(
    "CRM_SITE_URL", f"http://localhost:{os.environ.get('PORT', '8000')}" if DEBUG else ""
).rstrip("/")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CRM <no-reply@crm.localhost>")
MAIL_SINK_DIR = os.environ.get("MAIL_SINK_DIR", "")  # set by the launcher in development

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.core.api.auth.ApiKeyAuthentication",
        "crm.core.api.auth.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.core.api.permissions.HasRolePermission"],
    "DEFAULT_PAGINATION_CLASS": "crm.core.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "crm.core.api.throttles.ApiKeyThrottle",
        "crm.core.api.throttles.TenantThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": os.environ.get("API_RATE_PER_KEY", "600/min"),
        "tenant": os.environ.get("API_RATE_PER_TENANT", "3000/min"),
    },
    "EXCEPTION_HANDLER": "crm.core.api.errors.exception_handler",
    # Ours types id path parameters of tenant-scoped viewsets (see crm/core/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "crm.core.api.schema.CrmAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a `status` choice set; each gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "sales.catalog.models.OrderStatus",
        "TicketStatusEnum": "support.tickets.models.Status",
        "TicketChannelEnum": "support.tickets.models.Channel",
        "OrderChannelEnum": "sales.catalog.models.OrderChannel",
    },
}

# --- celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_QUEUES_ALL = ["default", "mail", "scoring", "segments", "imports", "sync"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"crm{_slot}:"}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {"task": "crm.core.tasks.heartbeat", "schedule": 30.0},
    # Contacts and companies soft-deleted over 30 days ago are purged (restore window ends).
    "contacts-purge-deleted": {
        "task": "contacts.tasks.purge_deleted_all_tenants",
        "schedule": 6 * 60 * 60.0,
    },
    # Export files older than EXPORT_KEEP_DAYS are deleted (per tenant; the jobs stay).
    "contacts-delete-old-exports": {
        "task": "contacts.exports.tasks.delete_old_exports_all_tenants",
        "schedule": 6 * 60 * 60.0,
    },
    # Import and export jobs whose worker died are failed, so nobody waits forever.
    "jobs-reap-stalled": {
        "task": "crm.core.tasks.reap_stalled_jobs_all_tenants",
        "schedule": 120.0,
    },
    # Activity reminders whose time has come: in-app notification and e-mail, once each.
    "sales-activity-reminders": {
        "task": "sales.activities.tasks.send_due_reminders_all_tenants",
        "schedule": 60.0,
    },
    # Reps without a daily report on a working day (weekends and holidays excluded).
    "sales-daily-report-reminders": {
        "task": "sales.reports.tasks.remind_missing_reports_all_tenants",
        "schedule": 15 * 60.0,
    },
    # Support: retry due rows of the mail outbox; SLA warnings and breaches.
    "support-outbound-mail": {
        "task": "support.mail.tasks.send_due_outbound_all_tenants",
        "schedule": 60.0,
    },
    "support-sla-scan": {
        "task": "support.sla.tasks.scan_all_tenants",
        "schedule": 60.0,
    },
    # Support analytics: roll up the closed days and the days changed since (dirty).
    "support-insights-rollup": {
        "task": "support.insights.tasks.rollup_refresh_all_tenants",
        "schedule": 10 * 60.0,
    },
}

# --- security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
