"""Settings come from the environment: the embedded demo by default, Redis for the
queue and cache when REDIS_URL is set, PostgreSQL from DATABASE_URL."""
import json
import os
import subprocess
import sys

from django.conf import settings

PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'huey': s.HUEY.get('huey_class'), 'cache': s.CACHES['default']['BACKEND'], "
    "'db': s.DATABASES['default']['ENGINE'], 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE}))"
)


def _settings_with(**env) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    full.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run([sys.executable, "-c", PRINT], env=full, cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_run_the_embedded_demo(tmp_path):
    values = _settings_with(PEERFUND_VAR_DIR=str(tmp_path))
    assert values == {
        "huey": "huey.SqliteHuey",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "db": "django.db.backends.sqlite3",
        "lang": "zh-hans",
        "tz": "Asia/Shanghai",
    }


def test_redis_and_postgresql_from_the_environment(tmp_path):
    values = _settings_with(
        PEERFUND_VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/3", DATABASE_URL="postgres://u@127.0.0.1:5432/pf"
    )
    assert values["huey"] == "huey.RedisHuey"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["db"] == "django.db.backends.postgresql"


def test_a_bad_boolean_is_a_clear_configuration_error(tmp_path):
    env = {k: v for k, v in os.environ.items()}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", PEERFUND_DEBUG="maybe", PEERFUND_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert result.returncode != 0
    assert "PEERFUND_DEBUG must be a boolean" in result.stderr
