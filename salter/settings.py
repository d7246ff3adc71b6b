"""Settings for Šalter, read from the environment (12-factor).

Defaults give a working demo on SQLite with nothing installed; production sets
DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
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
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "ninja",  # its vendored Swagger UI for /api/v1/docs, served from our static files
    "django_tasks",
    "django_tasks_db",
    "salter",
    "salter.lang",
    "salter.tenancy",
    "salter.administration",
    "salter.accounts",
    "salter.audit",
    "salter.clients",
    "salter.procedures",
    "salter.cases",
    "salter.registry",
    "salter.documents",
    "salter.channels",
    "salter.channels.sms",
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
    "csp.middleware.CSPMiddleware",
    "salter.web.timeouts.StatementTimeoutMiddleware",
    "salter.web.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "salter.web.sessions.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "salter.web.errors.ErrorPagesMiddleware",
    # Before CSRF: bodies are bounded and cleaned before anything reads them.
    "salter.web.boundary.InputBoundaryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A second factor where the account has one or its role requires it, and a new
    # password after an administrator's reset, before any other page.
    "salter.accounts.gate.SignInGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Writes what the request's access functions recorded, before the response leaves.
    "salter.audit.middleware.AccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "salter.urls"
# Error pages are Šalter's own, in the reader's language, also with DEBUG on; a
# developer may ask for Django's technical pages instead.
SALTER_TECHNICAL_ERRORS = env_bool("SALTER_TECHNICAL_ERRORS", False)
CSRF_FAILURE_VIEW = "salter.web.errors.csrf_failure"
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
    # A web request's connection is kept for the next request on the same server thread
    # (a keep-alive connection of Kannel's smsbox, a browser's): opening one costs its
    # PRAGMAs, and closing the last connection to the file checkpoints the WAL, together
    # about 6 ms of CPU a request (docs/performance.md). PostgreSQL keeps the operator's
    # choice, which depends on the pooler in front of it.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "600"))
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

# Clients with nothing happening for this many years, and no open case, are anonymised
# by the worker's daily job (salter/clients/retention.py; `salter anonymise --dry-run`).
SALTER_RETENTION_YEARS = int(os.environ.get("SALTER_RETENTION_YEARS", "10"))

# Longest a database statement of a web request may run (milliseconds; 0: no limit).
# Workers, migrations and commands are not limited (salter/web/timeouts.py).
SALTER_WEB_STATEMENT_TIMEOUT_MS = int(os.environ.get("SALTER_WEB_STATEMENT_TIMEOUT_MS", "5000"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Passwords: at least SALTER_PASSWORD_MIN_LENGTH characters (length is what makes a
# password strong; no rules about digits and signs), not like the username or name, not a
# common password, not only digits.
AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] = {
    "min_length": int(os.environ.get("SALTER_PASSWORD_MIN_LENGTH", "12"))}
# Two-factor sign-in (salter/accounts/twofactor.py): the name the authenticator app shows.
OTP_TOTP_ISSUER = os.environ.get("SALTER_OTP_ISSUER", "Šalter")
# Optional sign-in against a municipality's LDAP or Active Directory, checked before
# Šalter's own passwords (`pip install 'salter[ldap]'`; docs/operations.md). Only users
# that already exist in Šalter, with a membership, may sign in that way.
SALTER_LDAP_SERVER_URI = os.environ.get("SALTER_LDAP_SERVER_URI", "")
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if SALTER_LDAP_SERVER_URI:
    AUTHENTICATION_BACKENDS.insert(0, "django_auth_ldap.backend.LDAPBackend")
    AUTH_LDAP_SERVER_URI = SALTER_LDAP_SERVER_URI
    AUTH_LDAP_START_TLS = env_bool("SALTER_LDAP_START_TLS", False)
    AUTH_LDAP_BIND_DN = os.environ.get("SALTER_LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = os.environ.get("SALTER_LDAP_BIND_PASSWORD", "")
    # Active Directory binds as "%(user)s@sombor.local"; OpenLDAP as
    # "uid=%(user)s,ou=people,dc=sombor,dc=rs". Or search: base and filter below.
    AUTH_LDAP_USER_DN_TEMPLATE = os.environ.get("SALTER_LDAP_USER_DN_TEMPLATE") or None
    if os.environ.get("SALTER_LDAP_USER_SEARCH_BASE"):
        import ldap
        from django_auth_ldap.config import LDAPSearch

        AUTH_LDAP_USER_SEARCH = LDAPSearch(
            os.environ["SALTER_LDAP_USER_SEARCH_BASE"], ldap.SCOPE_SUBTREE,
            os.environ.get("SALTER_LDAP_USER_FILTER", "(sAMAccountName=%(user)s)"))
    AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    AUTH_LDAP_NO_NEW_USERS = True
    AUTH_LDAP_ALWAYS_UPDATE_USER = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins (salter/accounts/throttle.py): per account, free attempts and then a
# delay that doubles up to the maximum, forgotten a day after the last failure; per
# network address, a generous limit per window.
SALTER_LOGIN_FREE_ATTEMPTS = int(os.environ.get("SALTER_LOGIN_FREE_ATTEMPTS", "5"))
SALTER_LOGIN_DELAY_SECONDS = int(os.environ.get("SALTER_LOGIN_DELAY_SECONDS", "60"))
SALTER_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("SALTER_LOGIN_MAX_DELAY_SECONDS", "3600"))
SALTER_LOGIN_FORGET_SECONDS = int(os.environ.get("SALTER_LOGIN_FORGET_SECONDS", "86400"))
SALTER_LOGIN_ADDRESS_LIMIT = int(os.environ.get("SALTER_LOGIN_ADDRESS_LIMIT", "100"))
SALTER_LOGIN_ADDRESS_WINDOW_SECONDS = int(os.environ.get("SALTER_LOGIN_ADDRESS_WINDOW_SECONDS",
                                                         "3600"))
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
SALTER_TRUSTED_PROXIES = [p for p in os.environ.get("SALTER_TRUSTED_PROXIES", "").split(",")
                          if p.strip()]

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
# A staff session ends after this many minutes without a request, and when the browser
# closes (salter/web/sessions.py keeps the idle time moving).
SESSION_COOKIE_AGE = int(os.environ.get("SALTER_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS: on by default without DEBUG; settable for a deployment behind its own rules.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a commitment an operator makes for the whole domain by submitting it to
# the browsers' list; without it, the check that recommends it is not ours to pass.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy for every page: only Šalter's own scripts, styles and images,
# no inline script or style attribute, no framing (decision 13).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws form controls with data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Largest request body a route takes unless it says otherwise (salter/web/boundary.py).
SALTER_MAX_BODY_BYTES = int(os.environ.get("SALTER_MAX_BODY_BYTES", str(2_621_440)))

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

# Text messages through Kannel (docs/operations.md, "SMS through Kannel"): its sendsms
# URL and the sendsms-user's credentials; SALTER_SMS_SECRET keys the secrets of the MO
# callbacks and the signatures of the delivery-report URLs (SECRET_KEY if unset).
SALTER_KANNEL_URL = os.environ.get("SALTER_KANNEL_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
SALTER_KANNEL_USER = os.environ.get("SALTER_KANNEL_USER", "salter")
SALTER_KANNEL_PASSWORD = os.environ.get("SALTER_KANNEL_PASSWORD", "")
SALTER_KANNEL_TIMEOUT = float(os.environ.get("SALTER_KANNEL_TIMEOUT", "10"))
SALTER_SMS_SECRET = os.environ.get("SALTER_SMS_SECRET", "")
# A commercial gateway's signed webhook: how far its time stamp may be from ours.
SALTER_SMS_WEBHOOK_WINDOW_SECONDS = int(os.environ.get("SALTER_SMS_WEBHOOK_WINDOW_SECONDS",
                                                       "300"))
# Where Kannel reaches Šalter for delivery reports (SALTER_PUBLIC_URL if unset).
SALTER_SMS_CALLBACK_URL = os.environ.get("SALTER_SMS_CALLBACK_URL",
                                         SALTER_PUBLIC_URL).rstrip("/")
# Defaults of every municipality's SMS settings (`salter sms settings` changes one's):
# Latin without diacritics, messages a day (0: no limit), texts an hour from one number
# before it gets no more acknowledgements, hours a text continues the only open case.
SALTER_SMS_PLAIN_LATIN = env_bool("SALTER_SMS_PLAIN_LATIN", False)
SALTER_SMS_DAILY_LIMIT = int(os.environ.get("SALTER_SMS_DAILY_LIMIT", "2000"))
SALTER_SMS_ACK_HOURLY_LIMIT = int(os.environ.get("SALTER_SMS_ACK_HOURLY_LIMIT", "5"))
SALTER_SMS_RECENT_CASE_HOURS = int(os.environ.get("SALTER_SMS_RECENT_CASE_HOURS", "72"))
# The parts of a concatenated text that Kannel passed on one by one wait this long for
# the rest; an incomplete set is then quarantined with the parts it has.
SALTER_SMS_PARTS_TIMEOUT_SECONDS = int(os.environ.get("SALTER_SMS_PARTS_TIMEOUT_SECONDS", "600"))

# How long the link in a request to an outside body works (days); it works once.
SALTER_REQUEST_LINK_DAYS = int(os.environ.get("SALTER_REQUEST_LINK_DAYS", "60"))

# Everything is logged to stderr, unhandled errors with their traceback: as one JSON
# object a line without DEBUG (salter/logs.py), as plain lines with it.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "salter.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                    "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "salter": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"),
                   "propagate": False},
        # Replaces Django's default, which sends errors only to ADMINS by mail.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
