"""Settings for Home Visits, read from the environment.

With nothing set this runs a development server on a SQLite file under `var/` with DEBUG on.
Every variable is listed, with its default, in `.env.example`. Production (DEBUG off) refuses to
start with the development secret key: see `_refuse_unsafe_production()` below.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry (PostgreSQL or SQLite only).

    A dozen lines here instead of a dependency: these are the only two engines we support.
    """
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "homevisits",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            # Keep connections open between requests (production serves many small requests)
            # and check them before reuse so a restarted database does not cause errors.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parsed.path
        # The demo's web server, alert runner, retention review and document runner share one file:
        # a writer waits up to 20 s for another's write to end rather than failing at once (5 s).
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path or ":memory:", "OPTIONS": {"timeout": 20}}
    raise ImproperlyConfigured(f"DATABASE_URL must start with postgres:// or sqlite:///, not {parsed.scheme!r}")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Home Visits")
# The demo (`make run` sets it): its published password is accepted there only. Never with DEBUG off.
DEMO_MODE = DEBUG and env_bool("DEMO_MODE", False)
# How many proxies (load balancer, nginx) stand in front of the app: the audit trail takes the
# client address that many hops from the right of X-Forwarded-For. 0 = use REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)


def _refuse_unsafe_production() -> None:
    if DEBUG:
        return
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Refusing to start: DEBUG is off but SECRET_KEY is the development key or shorter "
            "than 50 characters. Set SECRET_KEY to a long random value (see .env.example)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Refusing to start: DEBUG is off and ALLOWED_HOSTS is empty.")


_refuse_unsafe_production()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # django-csp 4: its system checks catch settings left in the 3.x format.
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "visits",
    "safeguarding",
    "accounts",
    # Issue 17: records for the long term, each app building on visits and safeguarding.
    "reports",
    "retention",
    "disclosure",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Near the top, so that the headers are on every page, the redirects and refusals of the
    # middleware below included (static files, served above, need none).
    "csp.middleware.CSPMiddleware",
    "homevisits.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages, so that the idle sign-out can tell the person why they were signed out.
    "homevisits.middleware.IdleTimeoutMiddleware",
    # Control characters in a query string: a plain 400 page, not a database error (issue 14).
    "homevisits.middleware.BadInputMiddleware",
    # After the idle sign-out: a signed-in person gives the second factor before any page.
    "accounts.middleware.SecondFactorMiddleware",
    "visits.audit.CurrentRequestMiddleware",
    "homevisits.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homevisits.urls"
WSGI_APPLICATION = "homevisits.wsgi.application"

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
                "visits.context_processors.navigation",
                "visits.context_processors.escalated_alarms",
                "safeguarding.context_processors.navigation",
                "safeguarding.context_processors.lead_counts",
                "accounts.context_processors.navigation",
                "reports.context_processors.navigation",
                "retention.context_processors.navigation",
                "disclosure.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL's second role (homevisits/db_roles.py): the role the app serves with, given its
# grants after every `migrate` run by the owner. Empty: no grants (one role does everything).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "")

_default_db_path = BASE_DIR / "var" / "homevisits.sqlite3"
DATABASES = {"default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{_default_db_path}"))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and DATABASES["default"]["NAME"] != ":memory:":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "visits.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first so that a locked-out account is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Issue 14: not the school's or trust's name, no repeated pattern, not the demo's password.
    {"NAME": "accounts.passwords.SchoolNameValidator"},
    {"NAME": "accounts.passwords.RepeatedPatternValidator"},
    {"NAME": "accounts.passwords.DemoPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The second factor (accounts.second_factor): the name an authenticator app shows for our codes.
OTP_TOTP_ISSUER = SITE_NAME

# Passkeys (django-otp-webauthn), a second factor beside the app (accounts.passkeys), never a way
# to sign in without the password. A passkey is bound to PASSKEY_RP_ID, the site's domain (changing
# it later leaves everyone's passkeys useless), and accepted only from the PASSKEY_ORIGINS pages.
# Browsers refuse passkeys on an IP address: the demo's are made on http://localhost:8000.
OTP_WEBAUTHN_RP_NAME = SITE_NAME
OTP_WEBAUTHN_RP_ID = env_str(
    "PASSKEY_RP_ID", "localhost" if DEBUG else next((h.lstrip(".") for h in ALLOWED_HOSTS if h != "*"), "")
)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "PASSKEY_ORIGINS", ["http://localhost:8000"] if DEBUG else [f"https://{OTP_WEBAUTHN_RP_ID}"]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# django-guardian: no anonymous user row; access.py answers "nothing" for anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Sign-in limits (accounts.signin, issue 14): per client address across usernames, a lockout
# (django-axes) after LOGIN_ADDRESS_LIMIT wrong passwords; per username across addresses, after
# LOGIN_USERNAME_LIMIT the password alone no longer signs in: the authenticator code is asked too,
# so that nobody can lock a colleague out by guessing at their username. Both within
# LOGIN_LOCKOUT_MINUTES. The address is the client's behind TRUSTED_PROXY_COUNT proxies.
AXES_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_LIMIT", 20)
LOGIN_USERNAME_LIMIT = env_int("LOGIN_USERNAME_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Sessions: an unattended tablet signs itself out after SESSION_IDLE_MINUTES without a person
# using it (homevisits.middleware.IdleTimeoutMiddleware); no session outlives a working day.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
# The absolute limit from signing in, whatever the use (IdleTimeoutMiddleware); the cookie's own
# age slides with each write, so it cannot hold this alone.
SESSION_MAX_AGE = timedelta(hours=env_int("SESSION_MAX_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_MAX_AGE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
# On by default in production so that `check --deploy` is clean; a school whose other hosts under
# this name still speak plain HTTP, or that will not ask for the browsers' preload list, turns
# them off here (and accepts the warning that says so).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): only our own scripts, styles, fonts and images (plus
# data: images: Bootstrap's CSS draws its icons with them), no inline script or handler anywhere,
# no framing, forms post only to us. The templates keep to it: tests/test_headers.py scans them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}
# Permissions-Policy (homevisits.middleware.PermissionsPolicyMiddleware): every powerful feature
# off, but for the few the app uses on its own pages: the clipboard (copying the CPOMS summary),
# passkeys (the second factor) and sound (the board's alarm beep). No page uses the camera,
# the microphone or the location.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self"],
    "camera": [],
    "clipboard-read": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "local-fonts": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["homevisits.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Home Visits <homevisits@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in emails point (emails never carry pupil details, only a link behind the login).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # PDFs (issue 6): WeasyPrint logs each rendering step at INFO on this logger, and three
        # "Step 2 - Fetching and parsing CSS" lines when weasyprint/html.py parses its own
        # stylesheets at import. Noise: its warnings and errors still come through.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
