"""The sandbox bank as its own server, for staging (docs/deployment.md).

Staging keeps production's shape: the platform runs with PEERFUND_CUSTODIAN=http and
no sandbox app, and talks over HTTP to this separate process, which serves only the
bank's signed API (config/urls_sandbox_bank.py) from its own database and POSTs its
signed callbacks to the platform's PEERFUND_CALLBACK_URL. Both share
PEERFUND_CUSTODY_SECRET and nothing else.

    DJANGO_SETTINGS_MODULE=config.settings_sandbox_bank manage.py migrate
    DJANGO_SETTINGS_MODULE=config.settings_sandbox_bank gunicorn config.wsgi --bind 127.0.0.1:8100
    DJANGO_SETTINGS_MODULE=config.settings_sandbox_bank manage.py sandbox_deliver_callbacks   # or run_huey
"""
import os

os.environ.setdefault("PEERFUND_ENV", "demo")  # it is a simulation, never the platform

import dj_database_url  # noqa: E402

from config.settings import *  # noqa: E402,F403
from config.settings import VAR_DIR, env_str  # noqa: E402

# The same apps as the demo (the bank's tables live in peerfund.sandbox, and the clock
# and the models they lean on elsewhere), but its own database and only its API routed.
# (PEERFUND_SSL_REDIRECT=0 when it listens on plain loopback HTTP.)
ROOT_URLCONF = "config.urls_sandbox_bank"
DATABASES = {"default": dj_database_url.parse(env_str("PEERFUND_BANK_DATABASE_URL", f"sqlite:///{VAR_DIR / 'sandbox-bank.sqlite3'}"))}
# Callbacks leave over HTTP for the platform, whatever the platform's own mode.
PEERFUND_CUSTODIAN = "http"
HUEY = {**HUEY, "name": "peerfund-sandbox-bank", "filename": str(VAR_DIR / "sandbox-bank-huey.sqlite3")}  # noqa: F405
