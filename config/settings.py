"""PeerFund settings. Every value comes from the environment (see README).

Defaults run the embedded demo: SQLite under `var/`, SqliteHuey, local-memory cache.
`PEERFUND_ENV=production` refuses to start with any of the demo secrets below.
"""
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.production import ADAPTER_SETTINGS, settings_problems
from config.production import SANDBOX_APPS as PRODUCTION_EXCLUDED_APPS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PEERFUND_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PEERFUND_ENV = env_str("PEERFUND_ENV", "demo")
if PEERFUND_ENV not in {"demo", "test", "production"}:
    raise ImproperlyConfigured("PEERFUND_ENV must be one of demo, test, production")
PRODUCTION = PEERFUND_ENV == "production"

# Demo secrets: public, only good for a machine nobody else can reach.
DEMO_SECRET_KEY = "peerfund-demo-secret-key-not-for-production-0123456789abcdef"
DEMO_ENCRYPTION_KEYS = "demo1:ZGVtby1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA="
DEMO_BLIND_INDEX_KEY = "peerfund-demo-blind-index-key"
DEMO_CUSTODY_SECRET = "peerfund-demo-custody-callback-secret"

SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY)
PEERFUND_ENCRYPTION_KEYS = env_str("PEERFUND_ENCRYPTION_KEYS", DEMO_ENCRYPTION_KEYS)
PEERFUND_BLIND_INDEX_KEY = env_str("PEERFUND_BLIND_INDEX_KEY", DEMO_BLIND_INDEX_KEY)
PEERFUND_CUSTODY_SECRET = env_str("PEERFUND_CUSTODY_SECRET", DEMO_CUSTODY_SECRET)

if PRODUCTION:
    _demo_values = {
        "SECRET_KEY": (SECRET_KEY, DEMO_SECRET_KEY),
        "PEERFUND_ENCRYPTION_KEYS": (PEERFUND_ENCRYPTION_KEYS, DEMO_ENCRYPTION_KEYS),
        "PEERFUND_BLIND_INDEX_KEY": (PEERFUND_BLIND_INDEX_KEY, DEMO_BLIND_INDEX_KEY),
        "PEERFUND_CUSTODY_SECRET": (PEERFUND_CUSTODY_SECRET, DEMO_CUSTODY_SECRET),
    }
    _unsafe = sorted(name for name, (value, demo) in _demo_values.items() if value == demo)
    if _unsafe:
        raise ImproperlyConfigured(
            "Production refuses the demo secrets; set these in the environment: " + ", ".join(_unsafe)
        )

DEBUG = env_bool("PEERFUND_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "peerfund.backoffice.admin_site.PeerFundAdminConfig",  # django.contrib.admin, superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "csp",
    "ninja",  # the API docs from our own static files, not a CDN (and within the CSP)
    # Before allauth, so our templates (layouts, elements) override its own.
    "peerfund.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "peerfund.core",
    "peerfund.accounts",
    "peerfund.ledger",
    "peerfund.custody",
    "peerfund.sandbox",
    "peerfund.notify",
    "peerfund.funds",
    "peerfund.backoffice",
    "peerfund.risk",
    "peerfund.lending",
    "peerfund.crowdfunding",
    "peerfund.contracts",
    "peerfund.legal",
    "peerfund.disclosure",
    "peerfund.cms",
    "peerfund.cob",
    "peerfund.demo",
]
if PRODUCTION:
    # The simulated outside parties and the demo platform never run in production:
    # their pages (the sandbox bank, its pay page) are not routed either (config/urls.py).
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in PRODUCTION_EXCLUDED_APPS]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "peerfund.core.middleware.ForgedSessionCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "peerfund.accounts.middleware.ApiTokenMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "peerfund.core.middleware.ApplicationErrorMiddleware",
    "peerfund.legal.middleware.ConsentMiddleware",  # after the above: its process_exception runs first
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peerfund.notify.context_processors.unread",
                "peerfund.core.context_processors.emergency_switches",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'peerfund.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # instead of failing with "database is locked" when a read upgrades to a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:account"
LOGOUT_REDIRECT_URL = "web:home"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- sign-up and login (django-allauth) --------------------------------------
# Sign up with a mobile number verified by SMS code (e-mail optional); log in with
# password or a one-time code sent to the phone or e-mail; usernames stay for staff.
ACCOUNT_ADAPTER = "peerfund.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email", "password1*", "password2*"]
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False  # needs mandatory e-mail; login by code covers e-mail
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Six-digit numeric codes, as every Chinese service sends them.
ACCOUNT_LOGIN_BY_CODE_FORMAT = ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Throttling: 10 failed logins a minute per IP; 5 failures on one account lock it
# for 15 minutes. Code requests and confirmations are limited too.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("PEERFUND_RL_LOGIN_FAILED", "10/m/ip,5/900s/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PeerFund"
USERSESSIONS_TRACK_ACTIVITY = True

# Outgoing e-mail: the sandbox keeps every message in an outbox staff can read
# (/backoffice/outbox/); set EMAIL_BACKEND to Django's SMTP backend in production.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "peerfund.sandbox.outbox.OutboxEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PeerFund <noreply@peerfund.example>")
# SMS goes through an adapter; the sandbox one keeps the same outbox.
PEERFUND_SMS_ADAPTER = env_str("PEERFUND_SMS_ADAPTER", "peerfund.sandbox.outbox.SandboxSms")
PEERFUND_IDENTITY_ADAPTER = env_str("PEERFUND_IDENTITY_ADAPTER", "peerfund.sandbox.identity.SandboxIdentityProvider")
PEERFUND_CARD_CHECK_ADAPTER = env_str("PEERFUND_CARD_CHECK_ADAPTER", "peerfund.sandbox.cardcheck.SandboxCardCheck")
PEERFUND_ESIGN_ADAPTER = env_str("PEERFUND_ESIGN_ADAPTER", "peerfund.sandbox.esign.SandboxESign")
PEERFUND_BLACKLIST_ADAPTER = env_str("PEERFUND_BLACKLIST_ADAPTER", "peerfund.sandbox.blacklist.SandboxBlacklistProvider")
PEERFUND_GEO_ADAPTER = env_str("PEERFUND_GEO_ADAPTER", "peerfund.sandbox.geo.SandboxGeo")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("PEERFUND_FAST_PASSWORD_HASHER", False):
    # Tests only: Argon2 is deliberately slow, and the suite creates many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Only the public part of the uploads — crowdfunding covers and story images, under
# media/projects/ — is ever served; loan documents and contracts go through views
# that check who asks. In production a web server or CDN may serve /media/projects/
# instead (docs/deployment.md); this keeps the demo and a single-box setup whole.
PEERFUND_SERVE_PROJECT_MEDIA = env_bool("PEERFUND_SERVE_PROJECT_MEDIA", True)

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs. huey's Django integration would otherwise run tasks inline when
# DEBUG is on; "immediate" is always set explicitly.
HUEY = {
    # Consumers sharing a queue share a name (one Redis can host several platforms).
    "name": env_str("PEERFUND_HUEY_NAME", "peerfund"),
    "immediate": env_bool("PEERFUND_HUEY_IMMEDIATE", False),
    "consumer": {"workers": env_int("PEERFUND_HUEY_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# No script reads the CSRF cookie: forms carry {% csrf_token %} and htmx requests send
# the X-CSRFToken header from hx-headers on <body> (web/base.html), rendered here.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS only in production: redirect plain HTTP (except the load balancer's health
# probe) and tell browsers never to use HTTP again (HSTS). Behind a proxy that ends
# TLS, set PEERFUND_PROXY_SSL_HEADER to the header it sets (e.g. X-Forwarded-Proto,
# which the proxy must overwrite, never pass through from the client).
SECURE_SSL_REDIRECT = env_bool("PEERFUND_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("PEERFUND_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PEERFUND_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("PEERFUND_HSTS_PRELOAD", False)
_proxy_ssl_header = env_str("PEERFUND_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

# Content-Security-Policy (django-csp): scripts only from our origin or carrying the
# page's nonce ({{ request.csp_nonce }}), so injected markup cannot run script.
# style-src keeps 'unsafe-inline' on purpose: templates use style="" attributes and
# ECharts and Tabler set inline styles; a nonce there would switch 'unsafe-inline'
# off. CSS cannot run script, so this does not reopen script injection.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# --- custody -----------------------------------------------------------------
# "inprocess": the sandbox bank is called as a Python object (demo, tests).
# "http": the platform talks to a custodian over HTTP (the sandbox's own endpoints
# by default), exactly as it would to a real bank.
# Production has no in-process sandbox: it speaks HTTP to the bank at
# PEERFUND_CUSTODIAN_URL, which it must be given (docs/deployment.md).
PEERFUND_CUSTODIAN = env_str("PEERFUND_CUSTODIAN", "http" if PRODUCTION else "inprocess")
PEERFUND_CUSTODIAN_URL = env_str("PEERFUND_CUSTODIAN_URL", "" if PRODUCTION else "http://127.0.0.1:8000/sandbox/bank/api/")
PEERFUND_CALLBACK_URL = env_str("PEERFUND_CALLBACK_URL", "http://127.0.0.1:8000/custody/callback/")
PEERFUND_CUSTODIAN_TIMEOUT = env_int("PEERFUND_CUSTODIAN_TIMEOUT", 10)
# The payment channel's page a deposit order is paid on (the signed link carries the
# order number and amount). Empty: the sandbox channel's own page, which production
# refuses (config.production).
PEERFUND_PAYMENT_PAGE_URL = env_str("PEERFUND_PAYMENT_PAGE_URL", "")
# An instruction without a final answer this long is re-sent (the bank de-duplicates
# by request number), and after PEERFUND_OUTBOX_MAX_ATTEMPTS it raises an alert.
PEERFUND_OUTBOX_RETRY_SECONDS = env_int("PEERFUND_OUTBOX_RETRY_SECONDS", 60)
PEERFUND_OUTBOX_MAX_ATTEMPTS = env_int("PEERFUND_OUTBOX_MAX_ATTEMPTS", 20)

# --- idempotency ---------------------------------------------------------------
# A request record still "in progress" this long after it started is taken over by
# the next retry with the same key (the crash or fault that left it never answered);
# records older than the keep period are purged by the daily close.
PEERFUND_IDEMPOTENCY_STALE_SECONDS = env_int("PEERFUND_IDEMPOTENCY_STALE_SECONDS", 60)
PEERFUND_IDEMPOTENCY_KEEP_DAYS = env_int("PEERFUND_IDEMPOTENCY_KEEP_DAYS", 30)

# --- the daily close: single runner, retries, fan-out deadline ----------------------
# Transient database failures (deadlock 40P01, serialisation 40001) are retried this
# many times per step or chunk; fanned-out chunks must finish within the deadline.
PEERFUND_COB_RETRIES = env_int("PEERFUND_COB_RETRIES", 3)
PEERFUND_COB_FAN_OUT_DEADLINE_SECONDS = env_int("PEERFUND_COB_FAN_OUT_DEADLINE_SECONDS", 3600)

# --- user centre and funds ----------------------------------------------------
# Trade password: this many wrong tries lock money actions for this long.
PEERFUND_TRADE_PASSWORD_MAX_FAILURES = env_int("PEERFUND_TRADE_PASSWORD_MAX_FAILURES", 5)
PEERFUND_TRADE_PASSWORD_LOCK_MINUTES = env_int("PEERFUND_TRADE_PASSWORD_LOCK_MINUTES", 180)
PEERFUND_MIN_AGE = env_int("PEERFUND_MIN_AGE", 18)
PEERFUND_RISK_ASSESSMENT_VALID_DAYS = env_int("PEERFUND_RISK_ASSESSMENT_VALID_DAYS", 365)
# Member tiers by cumulative amount invested (fen): name:threshold, ascending.
PEERFUND_TIERS = env_str("PEERFUND_TIERS", "regular:0,silver:5000000,gold:20000000,platinum:100000000")
# Tiers that withdraw without a fee.
PEERFUND_FEE_FREE_TIERS = env_list("PEERFUND_FEE_FREE_TIERS", ["gold", "platinum"])
PEERFUND_INVITE_REWARD_FEN = env_int("PEERFUND_INVITE_REWARD_FEN", 2000)
PEERFUND_INVITE_REWARD_CAP = env_int("PEERFUND_INVITE_REWARD_CAP", 20)
PEERFUND_WITHDRAW_MIN_FEN = env_int("PEERFUND_WITHDRAW_MIN_FEN", 10000)
PEERFUND_WITHDRAW_FEE_FEN = env_int("PEERFUND_WITHDRAW_FEE_FEN", 200)
PEERFUND_WITHDRAW_DAILY_COUNT = env_int("PEERFUND_WITHDRAW_DAILY_COUNT", 3)
PEERFUND_WITHDRAW_DAILY_MAX_FEN = env_int("PEERFUND_WITHDRAW_DAILY_MAX_FEN", 5000000)
PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN = env_int("PEERFUND_WITHDRAW_REVIEW_ABOVE_FEN", 2000000)
# Money deposited and never invested waits this many days before it can leave.
PEERFUND_COOLING_OFF_DAYS = env_int("PEERFUND_COOLING_OFF_DAYS", 3)

# --- risk control ---------------------------------------------------------------
# Scorecard scaling: `points` at odds `odds`:1 good:bad, and `pdo` points to double the odds.
PEERFUND_SCORE_SCALING = {
    "pdo": env_int("PEERFUND_SCORE_PDO", 20),
    "odds": env_int("PEERFUND_SCORE_ODDS", 50),
    "points": env_int("PEERFUND_SCORE_POINTS", 600),
}
# Grade bands: (grade, lowest score, annual rate range, credit limit in fen). The
# default floors sit at probabilities of default of 5 %, 10 %, 20 %, 35 % and 50 %.
# The rates stay below the legal ceiling (4 × LPR = 12 % with a 3.65 % penalty a year
# leaves 8.35 %, the top of grade E): riskier grades cannot be priced higher, so a
# product whose range misses a grade's band declines it (application.no_rate).
PEERFUND_GRADES = [
    ("A", 572, "0.0500", "0.0650", 20_000_000),
    ("B", 551, "0.0650", "0.0750", 15_000_000),
    ("C", 527, "0.0750", "0.0800", 10_000_000),
    ("D", 505, "0.0800", "0.0820", 5_000_000),
    ("E", 487, "0.0820", "0.0835", 2_000_000),
    ("HR", None, None, None, 0),
]
PEERFUND_MODEL_DIR = Path(env_str("PEERFUND_MODEL_DIR", str(VAR_DIR / "models")))
PEERFUND_PSI_ALERT = env_str("PEERFUND_PSI_ALERT", "0.25")
# Daily close: loans per chunk (a chunk is one transaction and one unit of resumption).
PEERFUND_COB_CHUNK = env_int("PEERFUND_COB_CHUNK", 5000)
# The nightly close hands its chunks to the huey consumers (it waits for them in one
# worker, so run at least two worker processes or threads in all).
PEERFUND_COB_FAN_OUT = env_bool("PEERFUND_COB_FAN_OUT", False)
# Anti-money-laundering: a single movement at or above this is a large-transaction report.
PEERFUND_AML_LARGE_FEN = env_int("PEERFUND_AML_LARGE_FEN", 5_000_000)

# --- lending ------------------------------------------------------------------------
# Outstanding borrowing caps across all of a borrower's loans (2016 rules).
PEERFUND_BORROW_CAP_PERSON_FEN = env_int("PEERFUND_BORROW_CAP_PERSON_FEN", 20_000_000)
PEERFUND_BORROW_CAP_FIRM_FEN = env_int("PEERFUND_BORROW_CAP_FIRM_FEN", 100_000_000)
# The legal ceiling on what a borrower pays (利率司法保护上限): the one-year Loan Prime
# Rate as published (set it when it changes) times a multiple. A product, fee change or
# listing whose all-in annual cost, or whose rate plus its penalty rate over a year,
# exceeds it is refused (docs/compliance.md).
PEERFUND_LPR_1Y = env_str("PEERFUND_LPR_1Y", "0.0300")
PEERFUND_RATE_CEILING_MULTIPLE = env_int("PEERFUND_RATE_CEILING_MULTIPLE", 4)
# Personal information of a closed account is kept this long after closure, then
# anonymised by the daily close (PIPL art. 47; AML rules keep records five years).
PEERFUND_PERSONAL_DATA_RETENTION_DAYS = env_int("PEERFUND_PERSONAL_DATA_RETENTION_DAYS", 1825)
# Reward crowdfunding: the platform fee on a successful project (per-project override
# in the back office), the payout stages (a share after T+N days, the rest when
# backers confirm delivery or after a quiet period with no open complaint), the
# longest funding period, the machine review's banned words, the owners' reply-time
# target, and the risk alerts (a day's pledges above N times the project's daily
# average; N open complaints on one project).
PEERFUND_CF_FEE_RATE = env_str("PEERFUND_CF_FEE_RATE", "0.05")
PEERFUND_CF_FIRST_PAYOUT_SHARE = env_str("PEERFUND_CF_FIRST_PAYOUT_SHARE", "0.70")
PEERFUND_CF_FIRST_PAYOUT_DAYS = env_int("PEERFUND_CF_FIRST_PAYOUT_DAYS", 7)
PEERFUND_CF_FINAL_PAYOUT_DAYS = env_int("PEERFUND_CF_FINAL_PAYOUT_DAYS", 90)
# Payouts leave escrow only when two finance staff release them (maker–checker).
PEERFUND_CF_PAYOUT_APPROVAL = env_bool("PEERFUND_CF_PAYOUT_APPROVAL", True)
PEERFUND_CF_AUTO_RECEIVE_DAYS = env_int("PEERFUND_CF_AUTO_RECEIVE_DAYS", 15)
PEERFUND_CF_MAX_DAYS = env_int("PEERFUND_CF_MAX_DAYS", 60)
PEERFUND_CF_BANNED_WORDS = env_list("PEERFUND_CF_BANNED_WORDS", ["赌博", "博彩", "彩票", "保本", "保收益", "稳赚", "高回报", "传销", "gambling", "guaranteed return"])
PEERFUND_CF_REPLY_TARGET_HOURS = env_int("PEERFUND_CF_REPLY_TARGET_HOURS", 24)
PEERFUND_CF_SPIKE_FACTOR = env_int("PEERFUND_CF_SPIKE_FACTOR", 5)
PEERFUND_CF_SPIKE_MIN_FEN = env_int("PEERFUND_CF_SPIKE_MIN_FEN", 1_000_000)
PEERFUND_CF_COMPLAINT_CLUSTER = env_int("PEERFUND_CF_COMPLAINT_CLUSTER", 3)
# Proof of liabilities: how many days of leaves are kept (users can fetch a proof for
# those days; roots and totals are kept forever).
PEERFUND_LIABILITY_KEEP_DAYS = env_int("PEERFUND_LIABILITY_KEEP_DAYS", 7)
# Dashboard alerts raised by the daily close: overdue rate (M1+) above this share;
# a day's withdrawals above N times the 30-day average and at least a minimum.
PEERFUND_ALERT_OVERDUE_RATE = env_str("PEERFUND_ALERT_OVERDUE_RATE", "0.05")
PEERFUND_ALERT_WITHDRAWAL_FACTOR = env_int("PEERFUND_ALERT_WITHDRAWAL_FACTOR", 3)
PEERFUND_ALERT_WITHDRAWAL_MIN_FEN = env_int("PEERFUND_ALERT_WITHDRAWAL_MIN_FEN", 10_000_000)
PEERFUND_UPLOAD_MAX_BYTES = env_int("PEERFUND_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# An application carries up to four documents; money API calls hash the whole body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * PEERFUND_UPLOAD_MAX_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

if PRODUCTION:
    # The facts settings alone decide; peerfund.web.checks reports them (and the
    # routed URLs) again as system checks for `manage.py check --deploy`.
    _problems = settings_problems(
        debug=DEBUG, secret_key=SECRET_KEY, demo_secret_key=DEMO_SECRET_KEY, installed_apps=INSTALLED_APPS,
        custodian=PEERFUND_CUSTODIAN, custodian_url=PEERFUND_CUSTODIAN_URL, payment_page_url=PEERFUND_PAYMENT_PAGE_URL,
        adapters={name: globals()[name] for name in ADAPTER_SETTINGS},
    )
    if _problems:
        raise ImproperlyConfigured(
            "Production refuses to start: " + "; ".join(f"{problem} ({check_id})" for check_id, problem in _problems)
        )
