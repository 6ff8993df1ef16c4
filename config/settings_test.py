"""Settings for the test suite: the demo settings with fast hashing, tasks run
inline (huey immediate mode) and the test environment flag."""
import os

os.environ.setdefault("PEERFUND_ENV", "test")
os.environ.setdefault("PEERFUND_HUEY_IMMEDIATE", "1")
os.environ.setdefault("PEERFUND_FAST_PASSWORD_HASHER", "1")

from config.settings import *  # noqa: E402,F403

# A retry is due as soon as it is asked for, so tests need not wait.
PEERFUND_OUTBOX_RETRY_SECONDS = 0

# Uploaded test documents go to a throwaway folder, not the demo's var/.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="peerfund-test-media-"))
