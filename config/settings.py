"""Settings for the timecards site, read from the environment (django-environ).

With no ``DATABASE_URL`` the site runs embedded: SQLite for ``default`` and the same file
opened read-only for ``standby``. With ``DATABASE_URL`` and ``STANDBY_DATABASE_URL`` (or
``STANDBY_DATABASE_URLS`` or ``STANDBY_HOSTS`` for several) it runs against a PostgreSQL
primary and its streaming standbys; ``STANDBY_DATABASE_URL=none`` says there is no standby
and the reports read the primary.

Only what differs from Django's defaults is set here.
"""

import copy
import datetime
import ipaddress
import os
import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Run-time files of the embedded mode (SQLite, collected static files). The repository's
# var/ is kept empty in git; another VAR_DIR must exist (settings never create folders).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# --- Core -----------------------------------------------------------------------------
# Development defaults apply only when DEBUG is on; production must say everything.
DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "core",
    "presentation",
    "accounts",
    "timetrack",
    "reports",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, so that a session saved at the end of a request is
    # one of the request's writes, tracked with the others, and not a write of the
    # worker thread's own context, which outlives the request.
    "core.routing.middleware.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "presentation.context_processors.read_database",
            ],
        },
    },
]

# --- Databases ------------------------------------------------------------------------
# "default" is the primary: every write and every migration. The standbys are hot-standby
# replicas that report views read from inside @read_from("standby"): a group of one or
# more members, aliased "standby", "standby_2", "standby_3", ... in the order they are
# listed; read_from("standby") names the group and core/routing/decision.py chooses one member
# per scope. In tests every member mirrors the primary's test database (TEST["MIRROR"]):
# it keeps its own connection and reads the test database that replication (or the
# shared SQLite file) brings over.
SQLITE_PATH = VAR_DIR / "db.sqlite3"
STANDBY_GROUP = "standby"


def standby_alias(position: int) -> str:
    """The alias of the group's member at ``position`` (0: "standby", 1: "standby_2")."""
    return STANDBY_GROUP if position == 0 else f"{STANDBY_GROUP}_{position + 1}"


# The standbys, in one of three ways: their URLs (STANDBY_DATABASE_URLS), one URL
# (STANDBY_DATABASE_URL), or their host names (STANDBY_HOSTS), each reached as the primary
# is (DATABASE_URL's port, database and credentials on that host: compose's way). A site
# without a standby says so with STANDBY_DATABASE_URL=none; production refuses to guess.
# The embedded mode (no DATABASE_URL) has nothing to guess: its standby is its own file.
STANDBY_SOURCES = ("STANDBY_DATABASE_URLS", "STANDBY_DATABASE_URL", "STANDBY_HOSTS")
NO_STANDBY = "none"
given_sources = [name for name in STANDBY_SOURCES if env.str(name, default="")]
no_standby = env.str("STANDBY_DATABASE_URL", default="").strip().lower() == NO_STANDBY
if len(given_sources) > 1:
    raise ImproperlyConfigured(
        f"Set one of {', '.join(STANDBY_SOURCES)} to name the standbys, not"
        f" {' and '.join(given_sources)}."
    )
if given_sources and not no_standby and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        f"A standby needs its primary: set DATABASE_URL too, or unset {given_sources[0]} to"
        " run on the embedded SQLite."
    )
if env.str("DATABASE_URL", default="") and not given_sources and not DEBUG:
    raise ImproperlyConfigured(
        "Name the reporting standby: set STANDBY_DATABASE_URL (or STANDBY_DATABASE_URLS or"
        f" STANDBY_HOSTS), or STANDBY_DATABASE_URL={NO_STANDBY} for a site whose reports read"
        " the primary."
    )


def member_on_host(primary: dict, host: str) -> dict:
    """The primary's connection settings for a standby on ``host`` (``STANDBY_HOSTS``).

    A primary found among several nodes (``DATABASE_URL`` listing every node with
    ``target_session_attrs=read-write``, see README "When the primary fails") has one
    port per node: the member takes the port of its own host there (the first one when
    its host is not listed), and is not asked to accept writes.
    """
    member = {**copy.deepcopy(primary), "HOST": host}
    hosts = str(primary.get("HOST") or "").split(",")
    ports = str(primary.get("PORT") or "").split(",")
    if len(ports) > 1:
        member["PORT"] = ports[hosts.index(host)] if host in hosts[: len(ports)] else ports[0]
    member.get("OPTIONS", {}).pop("target_session_attrs", None)
    return member


if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # The primary may go away (a failover): a connection attempt to a node that does not
    # answer gives up after PRIMARY_CONNECT_TIMEOUT_SECONDS and tries the next node of
    # the URL, and a connection to a host that stopped answering is found dead by TCP
    # keepalives when idle and by tcp_user_timeout (10 s of unacknowledged data) when a
    # statement is in flight, instead of hanging a save for the kernel's 15 minutes. A
    # value in DATABASE_URL wins.
    primary_options = DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        for option, value in {
            "connect_timeout": env.int("PRIMARY_CONNECT_TIMEOUT_SECONDS", default=5),
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 2,
            "tcp_user_timeout": 10_000,
        }.items():
            primary_options.setdefault(option, value)
    if no_standby or not given_sources:  # only DEBUG gets here without saying which
        standbys = []
    elif env.str("STANDBY_HOSTS", default=""):
        standbys = [
            member_on_host(DATABASES["default"], host) for host in env.list("STANDBY_HOSTS")
        ]
    else:
        standby_urls = env.list("STANDBY_DATABASE_URLS", default=[]) or [
            env.str("STANDBY_DATABASE_URL")
        ]
        standbys = [environ.Env.db_url_config(url) for url in standby_urls]
    for position, standby in enumerate(standbys):
        DATABASES[standby_alias(position)] = standby
    # The reporting replicas. A standby that is down must not hang a page: connecting
    # gives up after STANDBY_CONNECT_TIMEOUT_SECONDS. A report query that runs away is
    # stopped by the server after REPORT_STATEMENT_TIMEOUT_SECONDS; it stays below the
    # standbys' max_standby_streaming_delay (docker/postgres/reporting-replica.conf, 30s),
    # so a report ends by its own timeout before replay has to cancel it, and replay is
    # never held back longer than that. Only the standby aliases get these: writes and
    # migrations on the primary keep PostgreSQL's defaults.
    report_timeout_ms = env.float("REPORT_STATEMENT_TIMEOUT_SECONDS", default=15) * 1000
    for member in standbys:
        if member["ENGINE"] == "django.db.backends.postgresql":
            # Django's backend, with every wait for an answer bounded (a standby whose
            # server stops answering holds its TCP connection open: see core/routing/deadlines.py).
            member["ENGINE"] = "core.routing.backends.postgresql_standby"
            member.setdefault("OPTIONS", {}).update(
                connect_timeout=env.int("STANDBY_CONNECT_TIMEOUT_SECONDS", default=3),
                # Read-only sessions: every node is a member, and a status cached for a
                # few seconds may still call a node standby that leads now; a write
                # routed as a read (raw()) is refused there as on a standby.
                options=(
                    f"-c statement_timeout={report_timeout_ms:.0f}"
                    " -c default_transaction_read_only=on"
                ),
                # A host that stops acknowledging: an idle kept connection is found dead
                # within about 20 s, one with unacknowledged data within 10 s.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=2,
                tcp_user_timeout=10_000,
            )
    # Connections are kept between requests (a report would otherwise open two, one on
    # the primary for the session and one on its standby) and checked when a request
    # first uses them. Not on SQLite, where connecting only opens a file.
    for database in DATABASES.values():
        database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE_SECONDS", default=600)
        database["CONN_HEALTH_CHECKS"] = True
else:
    if not VAR_DIR.is_dir():
        raise ImproperlyConfigured(f"VAR_DIR {VAR_DIR} is not a folder: create it first.")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # IMMEDIATE takes the write lock when a transaction starts, so concurrent
            # writers queue (up to the timeout) instead of failing with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            "TEST": {"NAME": VAR_DIR / "test-db.sqlite3"},
        },
    }
    if not no_standby:
        DATABASES[STANDBY_GROUP] = {
            "ENGINE": "core.routing.backends.sqlite_standby",
            "NAME": SQLITE_PATH,
            "OPTIONS": {"timeout": 20},
        }
STANDBY_GROUPS = {STANDBY_GROUP: [alias for alias in DATABASES if alias != "default"]}
"""Each name that read_from() accepts for a group, and its members in order."""
for member_alias in STANDBY_GROUPS[STANDBY_GROUP]:
    DATABASES[member_alias]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.routing.ScopedReadRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The addresses and networks a comma-separated variable lists (``127.0.0.1,10.0.0.0/8``)."""
    try:
        return [
            ipaddress.ip_network(entry.strip(), strict=False)
            for entry in env.list(name, default=[])
        ]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} must list IP addresses or networks, such as 127.0.0.1,10.0.0.0/8: {error}"
        ) from None


# --- Authentication -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes), on the site's login and the admin's: after
# LOGIN_FAILURE_LIMIT failed logins for one user name from one address, further attempts
# at that name from that address are refused for LOGIN_LOCKOUT_MINUTES with the lockout
# page (429). The pair, not each on its own: a person mistyping locks out nobody else on
# the same network, and a login to another account from the same address clears no
# other name's failures. `manage.py axes_reset` (or axes_reset_username NAME) unlocks.
# Behind a reverse proxy, TRUSTED_PROXY_COUNT says how many proxies of the site's own
# stand in front of it, so the visitor's address is read from X-Forwarded-For
# (accounts/client_address.py); without it the header is ignored (anyone can send one).
# The failures are rows of axes' AccessAttempt, written (like every write) on the primary.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.float("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair
AXES_RESET_ON_SUCCESS = True  # the pair's failures only
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The proxies' own addresses or networks ("10.0.0.5,10.1.0.0/16"): the hops are then read
# from the nearest, and the first that is none of them is the visitor, so nobody who
# reaches the site or an inner proxy directly chooses their address (accounts.W002 warns
# of a count without them, W003 of them without a count).
TRUSTED_PROXY_ADDRESSES = _networks("TRUSTED_PROXY_ADDRESSES")
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False  # no start-up banner in every process
LOGIN_REDIRECT_URL = "timetrack:timecard_list"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Time zone and formats ------------------------------------------------------------
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# Dates as the site writes them ("4 Dec 2026", presentation/dates.py), the admin included.
FORMAT_MODULE_PATH = ["presentation.formats"]

# --- Static files (whitenoise serves them from the app, also under gunicorn) -----------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security -------------------------------------------------------------------------
# Content-Security-Policy on every response (django-csp): everything from this site only,
# no inline script or style (the pages have none: the charts and bars are SVG attributes
# and stylesheet classes), no plugins, no framing, forms posting only here. A script or
# style that ever has to be inline carries the request's nonce ({{ request.csp_nonce }}).
SITE_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if DEBUG:
    # Django's technical pages (the debug error pages, DEBUG only) are made of inline
    # script and style: enforced, the policy would leave a developer a broken page with
    # dead buttons. Under DEBUG it is reported (the browser's console names each breach)
    # and not enforced; production enforces it. The browser tests run without DEBUG.
    CONTENT_SECURITY_POLICY_REPORT_ONLY = SITE_POLICY
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = SITE_POLICY
# HTTPS settings are on unless DEBUG; SECURE_SSL_REDIRECT can be turned off behind a
# proxy that already redirects (SECURE_PROXY_SSL_HEADER tells Django the scheme).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Metrics (metrics/: Prometheus' text format at /metrics) --------------------------
# Never public: served to the addresses or networks listed (the Prometheus server's, e.g.
# "127.0.0.1,10.0.0.0/8"), or to a scraper sending "Authorization: Bearer METRICS_TOKEN".
# Neither set: nobody. A request with a proxy's header (Forwarded, X-Forwarded-For, ...)
# needs the token whatever its address (metrics/access.py).
METRICS_ALLOWED_ADDRESSES = _networks("METRICS_ALLOWED_ADDRESSES")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured(
        "METRICS_TOKEN is shorter than 16 characters: a scraper's secret must not be"
        " guessable (python -c 'import secrets; print(secrets.token_urlsafe())')."
    )

# --- Logging --------------------------------------------------------------------------
# LOG_FORMAT=json writes one JSON object a line, with the fields a line carries of its own
# ("event", "member", "group", ...: core.routing's breaker and outage lines) as keys.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every django.* line a second time.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

# --- Site -----------------------------------------------------------------------------
INVOICE_PAYMENT_TERMS_DAYS = env.int("INVOICE_PAYMENT_TERMS_DAYS", default=30)
# The currency of every amount (rates, invoices, revenue), as its ISO 4217 code: the
# pages write it with each amount ("USD 1,234.50"); the CSV keeps plain numbers.
# Read as typed: django-environ would take "$" (a likely mistake) for a reference to
# another variable.
CURRENCY = os.environ.get("CURRENCY", "USD")
if not re.fullmatch(r"[A-Z]{3}", CURRENCY):
    raise ImproperlyConfigured(
        f"CURRENCY must be an ISO 4217 code of three capital letters, such as USD or EUR,"
        f" not {CURRENCY!r}."
    )
# The earliest date a timecard, an invoice period or a report may name (ISO, YYYY-MM-DD):
# timetrack/date_bounds.py. It may be raised; the database's constraints hold 2000-01-01.
try:
    EARLIEST_DATE = datetime.date.fromisoformat(env.str("EARLIEST_DATE", default="2000-01-01"))
except ValueError as error:
    raise ImproperlyConfigured(f"EARLIEST_DATE must be a date as YYYY-MM-DD: {error}") from None
if EARLIEST_DATE < datetime.date(2000, 1, 1):
    raise ImproperlyConfigured(
        "EARLIEST_DATE cannot be before 2000-01-01, the earliest date the database's"
        " constraints accept (timetrack.date_bounds.DATABASE_FLOOR): that takes a migration."
    )
# The CSV export is one COPY on the standby that lasts as long as the download
# (reports/csv_copy.py): it gets this bound instead of REPORT_STATEMENT_TIMEOUT_SECONDS.
EXPORT_STATEMENT_TIMEOUT_SECONDS = env.float("EXPORT_STATEMENT_TIMEOUT_SECONDS", default=300)

# --- Reporting replicas: what happens when no standby can serve a report ---------------
# See core/routing/decision.py and the README's "Failure modes". Each can be set in the environment;
# each applies to every member of the group (one breaker and one status per member).
STANDBY_DOWN_POLICY = env.str("STANDBY_DOWN_POLICY", default="primary")  # or "503"
STANDBY_COOL_DOWN_SECONDS = env.float("STANDBY_COOL_DOWN_SECONDS", default=30.0)
STANDBY_MAX_LAG_SECONDS = env.float("STANDBY_MAX_LAG_SECONDS", default=30.0)
STANDBY_LAG_POLICY = env.str("STANDBY_LAG_POLICY", default="primary")  # or "notice"
STANDBY_RETRY_ON_PRIMARY = env.bool("STANDBY_RETRY_ON_PRIMARY", default=True)
# Read your own writes (core/routing/read_your_writes.py). After a request that wrote, the
# browser's reports read only a standby that has replayed the primary's WAL up to that
# write ("wal"), or the primary for the whole window ("window", and always on SQLite,
# which has no WAL position). The window bounds the pin either way. It defaults to the
# lag bound (at least 15 s): replay keeps commit order, so a standby within the bound has
# replayed the commits older than the bound (as far as the lag measure sees), the write
# among them.
READ_YOUR_WRITES_SECONDS = env.int(
    "READ_YOUR_WRITES_SECONDS", default=max(15, round(STANDBY_MAX_LAG_SECONDS))
)
READ_YOUR_WRITES_BY = env.str("READ_YOUR_WRITES_BY", default="wal")
# Functions a SELECT may call and still count as a read, beside the built-ins the site's
# queries call (core/routing/statements.py): any other function call marks a write, so that a
# statement that might write is never run twice.
READ_ONLY_FUNCTIONS = env.list("READ_ONLY_FUNCTIONS", default=[])
if STANDBY_DOWN_POLICY not in {"primary", "503"}:
    raise ImproperlyConfigured("STANDBY_DOWN_POLICY must be 'primary' or '503'.")
if STANDBY_LAG_POLICY not in {"primary", "notice"}:
    raise ImproperlyConfigured("STANDBY_LAG_POLICY must be 'primary' or 'notice'.")
if READ_YOUR_WRITES_BY not in {"wal", "window"}:
    raise ImproperlyConfigured("READ_YOUR_WRITES_BY must be 'wal' or 'window'.")
