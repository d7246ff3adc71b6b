"""Settings for Šalter, read from the environment (12-factor).

Defaults give a working demo on SQLite with nothing installed; production sets
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SALTER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "dev-only-insecure-key-never-used-in-production" if DEBUG else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Public address used in links sent to citizens (tracking links in e-mails, receipts).
SALTER_PUBLIC_URL = os.environ.get("SALTER_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "salter",
    "salter.lang",
    "salter.tenancy",
    "salter.clients",
    "salter.procedures",
    "salter.cases",
    "salter.registry",
    "salter.documents",
    "salter.channels",
    "salter.intake",
    "salter.requests",
    "salter.schedule",
    "salter.workspace",
    "salter.portal",
    "salter.dashboards",
    "salter.api",
    "salter.demo",
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
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "salter.urls"
WSGI_APPLICATION = "salter.wsgi.application"

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
                "salter.tenancy.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'salter.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite, with writers of several processes taking turns (salter/sqlite).
    DATABASES["default"]["ENGINE"] = "salter.sqlite"
    # WAL lets readers work while the worker writes; IMMEDIATE transactions take the
    # write lock up front, so concurrent writers queue instead of failing on upgrade.
    # synchronous=FULL syncs the WAL at every commit: raw messages are committed in the
    # database, so a commit must survive a power loss, not only a crash of the process
    # (decision 8; about 1 ms per commit).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "SALTER_TEST_SQLITE", str(VAR_DIR / "test.sqlite3")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: attempts per (username, address) within the window.
SALTER_LOGIN_MAX_ATTEMPTS = int(os.environ.get("SALTER_LOGIN_MAX_ATTEMPTS", "5"))
SALTER_LOGIN_WINDOW_SECONDS = int(os.environ.get("SALTER_LOGIN_WINDOW_SECONDS", "900"))

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache",
         "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "sr-latn"
LANGUAGES = [
    ("sr-latn", _("Serbian (Latin)")),
    ("sr", _("Serbian (Cyrillic)")),
    ("hu", _("Hungarian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["salter.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Belgrade"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from finders in dev; it wants the dir
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("SALTER_MEDIA_ROOT", VAR_DIR / "media"))
# Stored content up to this many bytes is kept in its database row, larger content as a
# file under MEDIA_ROOT/blobs (decision 8); 0 keeps everything in files.
SALTER_BLOB_INLINE_MAX_BYTES = int(os.environ.get("SALTER_BLOB_INLINE_MAX_BYTES",
                                                  str(128 * 1024)))
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SALTER_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # SMTPS (implicit TLS)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# Outgoing mail (the outbox): Message-IDs are <…@SALTER_MAIL_DOMAIN>; From is the mailbox or
# municipality address, else SALTER_MAIL_FROM. Temporary failures are retried with
# exponential backoff (base · 2^(attempt-1), capped) up to SALTER_MAIL_MAX_ATTEMPTS.
SALTER_MAIL_DOMAIN = os.environ.get("SALTER_MAIL_DOMAIN", "salter.localhost")
SALTER_MAIL_FROM = os.environ.get("SALTER_MAIL_FROM", f"noreply@{SALTER_MAIL_DOMAIN}")
SALTER_MAIL_RETURN_PATH = os.environ.get("SALTER_MAIL_RETURN_PATH", "")
SALTER_MAIL_MAX_ATTEMPTS = int(os.environ.get("SALTER_MAIL_MAX_ATTEMPTS", "8"))
SALTER_MAIL_RETRY_BASE_SECONDS = int(os.environ.get("SALTER_MAIL_RETRY_BASE_SECONDS", "60"))
SALTER_MAIL_RETRY_MAX_SECONDS = int(os.environ.get("SALTER_MAIL_RETRY_MAX_SECONDS", "21600"))
# Where the demo's mail sink (`salter serve --mail-sink`) keeps what Šalter "sent".
SALTER_MAIL_SINK_DIR = Path(os.environ.get("SALTER_MAIL_SINK_DIR", VAR_DIR / "sent-mail"))
# Largest message the SMTP receiver accepts (bytes), announced with the SIZE extension.
SALTER_MAIL_MAX_MESSAGE_BYTES = int(os.environ.get("SALTER_MAIL_MAX_MESSAGE_BYTES",
                                                   str(25 * 1024 * 1024)))

# How long the link in a request to an outside body works (days); it works once.
SALTER_REQUEST_LINK_DAYS = int(os.environ.get("SALTER_REQUEST_LINK_DAYS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"salter": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}},
}
