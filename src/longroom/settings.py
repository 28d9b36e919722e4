"""Longroom settings: one file, every value from the environment, safe defaults.

`.env.example` lists every variable. A trial (`make run`) needs none of them: it runs on
SQLite under `var/`, keeps outbound mail as `.eml` files and generates its own secrets.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# Everything the installation writes (database, files, outbox, generated keys) lives here.
VAR_DIR = Path(env("LONGROOM_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _persistent_secret(filename: str) -> str:
    """A random secret kept under var/ so a trial survives restarts without configuration."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("LONGROOM_DEBUG", False)
# Demo installations skip the MFA requirement for staff and say so on every page.
LONGROOM_DEMO = env_bool("LONGROOM_DEMO", False)
SECRET_KEY = env("DJANGO_SECRET_KEY") or _persistent_secret("secret_key")
# Encrypts stored IMAP passwords; separate from SECRET_KEY so rotating one does not lose the other.
LONGROOM_FIELD_KEY = env("LONGROOM_FIELD_KEY") or _persistent_secret("field_key")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The public base URL printed in QR codes and e-mails.
LONGROOM_PUBLIC_URL = env("LONGROOM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
LONGROOM_HTTP = env("LONGROOM_HTTP", "127.0.0.1:8000")
LONGROOM_SMTP = env("LONGROOM_SMTP", "127.0.0.1:2525")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before allauth: core's templates put allauth's pages inside the site layout.
    "longroom.core",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "longroom.offices",
    "longroom.desk",
    "longroom.tariff",
    "longroom.registry",
    "longroom.revenue",
    "longroom.api",
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
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "longroom.core.middleware.StaffMfaRequiredMiddleware",
    "longroom.offices.middleware.OfficeTimeZoneMiddleware",
]

ROOT_URLCONF = "longroom.urls"
WSGI_APPLICATION = "longroom.wsgi.application"
ASGI_APPLICATION = "longroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "longroom.core.context_processors.longroom",
            ],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL when DATABASE_URL says so.
_default_sqlite = f"sqlite:///{VAR_DIR / 'longroom.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, SMTP intake and worker are separate processes writing one file: WAL lets readers
    # proceed during writes, IMMEDIATE avoids lock upgrades that fail under contention.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders; the folder must still exist
MEDIA_ROOT = Path(env("LONGROOM_MEDIA_ROOT", str(VAR_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app static folders: no collectstatic step for a trial.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Strict CSP: our own scripts only. GC Design System web components build their styles in
# shadow roots, which needs inline styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LONGROOM_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Uploaded PDFs for verification are held in memory up to this size, then refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# Background work: the django.tasks API on the database backend (no broker to run).
TASKS = {
    "default": {
        "BACKEND": env("LONGROOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Outbound mail: the relay in EMAIL_HOST/EMAIL_PORT when set, otherwise .eml files under
# var/outbox/ (listed on the staff Outbox page). Django 6.1 configures senders as MAILERS.
LONGROOM_RELAY = {
    "host": env("EMAIL_HOST"),
    "port": int(env("EMAIL_PORT", "25")),
    "username": env("EMAIL_HOST_USER"),
    "password": env("EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": 30,
}
LONGROOM_OUTBOX_DIR = VAR_DIR / "outbox"
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {k: v for k, v in LONGROOM_RELAY.items() if v not in ("", None)},
        }
        if LONGROOM_RELAY["host"]
        else {"BACKEND": "longroom.core.outbox.OutboxEmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "e-longroom@longroom.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts: e-mail and password; staff add TOTP or WebAuthn (allauth.mfa).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "longroom.core.accounts.StaffOnlyAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "desk:home"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or LONGROOM_DEMO
MFA_TOTP_ISSUER = "Longroom"

# The desk.
LONGROOM_AGENCY_NAME_EN = env("LONGROOM_AGENCY_NAME_EN", "Canada Border Services Agency")
LONGROOM_AGENCY_NAME_FR = env("LONGROOM_AGENCY_NAME_FR", "Agence des services frontaliers du Canada")
LONGROOM_MAX_MESSAGE_BYTES = int(env("LONGROOM_MAX_MESSAGE_BYTES", str(25 * 1024 * 1024)))
LONGROOM_MAX_PDF_BYTES = int(env("LONGROOM_MAX_PDF_BYTES", str(20 * 1024 * 1024)))
LONGROOM_MAX_PDF_PAGES = int(env("LONGROOM_MAX_PDF_PAGES", "300"))
LONGROOM_CLAIM_LEASE_SECONDS = int(env("LONGROOM_CLAIM_LEASE_SECONDS", "900"))
# How long a worker may hold a message before another may take it over (its PDF sandbox gives up at 20 s).
LONGROOM_INTAKE_LEASE_SECONDS = int(env("LONGROOM_INTAKE_LEASE_SECONDS", "60"))
LONGROOM_REPLIES_PER_SENDER_PER_HOUR = int(env("LONGROOM_REPLIES_PER_SENDER_PER_HOUR", "10"))
LONGROOM_IMAP_POLL_SECONDS = int(env("LONGROOM_IMAP_POLL_SECONDS", "30"))
LONGROOM_RETENTION_DAYS = int(env("LONGROOM_RETENTION_DAYS", str(6 * 366)))
# SMTP intake: refuse unknown recipients at the door (550) or record them and reply.
LONGROOM_SMTP_ACCEPT_UNKNOWN = env_bool("LONGROOM_SMTP_ACCEPT_UNKNOWN", True)

NINJA_PAGINATION_PER_PAGE = 50

# Tariff tools. An exchange rate is "in force" on a day without publication for this many days
# after it was published (weekends, holidays); beyond that the calculator refuses to guess.
LONGROOM_FX_MAX_GAP_DAYS = int(env("LONGROOM_FX_MAX_GAP_DAYS", "7"))
# The public tariff API is open to anyone; this keeps one client from starving the others.
LONGROOM_TARIFF_API_RATE = env("LONGROOM_TARIFF_API_RATE", "120/m")
LONGROOM_CALCULATOR_MAX_LINES = int(env("LONGROOM_CALCULATOR_MAX_LINES", "5000"))

# Revenue. Card payments go through this gateway class; the only one shipped is the sandbox,
# which never moves money (revenue/gateway.py says what a real adapter must guarantee).
LONGROOM_PAYMENT_GATEWAY = env("LONGROOM_PAYMENT_GATEWAY", "longroom.revenue.gateway.SandboxGateway")
# Declarations, corrections and withdrawals through the API, per person.
LONGROOM_REVENUE_API_WRITE_RATE = env("LONGROOM_REVENUE_API_WRITE_RATE", "60/m")

# Rate limits and the search index cache live here. One process: memory. Several web processes:
# point them at a shared Redis so a limit holds across them.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("LONGROOM_REDIS_URL")}
        if env("LONGROOM_REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LONGROOM_LOG_LEVEL", "INFO")},
    # Every task start and finish is in the database (django_tasks_db); the console keeps warnings.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"level": env("LONGROOM_TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": env("LONGROOM_TASKS_LOG_LEVEL", "WARNING")},
        # aiosmtpd logs every connection at INFO; intake records every message anyway.
        "mail.log": {"level": "WARNING"},
    },
}
