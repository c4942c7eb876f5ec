"""The console's guards: the operator password, sessions with CSRF tokens, clean upload names.

Decisions:
- The password is kept as a salted scrypt hash (the standard library's `hashlib.scrypt`,
  n=2**14, r=8, p=1: ~50 ms a check, slow enough to make guessing costly) in
  `<data_dir>/console/password`, mode 0600; never in the project folder.
- Sessions live in the server's memory (a restart logs everyone out): an unguessable cookie
  (HttpOnly, SameSite=Strict) names a session holding its CSRF token, language and login.
- Upload names keep what a clerk recognises (Vietnamese letters, spaces) and lose anything that
  could point elsewhere: folders, `..`, control characters, characters Windows forbids.
"""

import hashlib
import hmac
import os
import re
import secrets
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_NAME_CHARS = 120
FORBIDDEN_CHARS = re.compile(r'[<>:"|?*\\/]')


def password_file(data_dir: Path) -> Path:
    return data_dir / "console" / "password"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash`, hex-encoded, with a fresh 16-byte salt."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                               p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def save_password(data_dir: Path, password: str) -> Path:
    """Write the hash readable by its owner only (0600, its folder 0700)."""
    path = password_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(".password.new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(hash_password(password) + "\n")
    os.replace(temporary, path)
    return path


def load_password_hash(data_dir: Path) -> str | None:
    try:
        return password_file(data_dir).read_text().strip() or None
    except OSError:
        return None


def clean_filename(name: str) -> str:
    """A plain file name from what a browser sent: `../../x.xlsx` -> `x.xlsx`."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]  # browsers may send a whole Windows path
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = FORBIDDEN_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")  # no hidden files, no `..`, no trailing dots
    if not name:
        return "tep-tai-len"
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    suffix = f".{suffix}" if suffix else ""
    return stem[:MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix


@dataclass
class Session:
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    lang: str = "vi"
    logged_in: bool = False


class Sessions:
    """Sessions by cookie value, in memory; thread-safe. The oldest are forgotten past
    MAX_SESSIONS (every cookieless request makes one: scripts and scanners too)."""

    MAX_SESSIONS = 5000

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str | None) -> Session | None:
        with self._lock:
            return self._sessions.get(key) if key else None

    def create(self) -> tuple[str, Session]:
        key, session = secrets.token_urlsafe(32), Session()
        with self._lock:
            self._sessions[key] = session
            while len(self._sessions) > self.MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return key, session

    def renew(self, key: str) -> tuple[str, Session]:
        """A new cookie for a session that logs in (no fixation of a key set before login)."""
        with self._lock:
            session = self._sessions.pop(key, None) or Session()
            session.csrf_token = secrets.token_urlsafe(32)
            new_key = secrets.token_urlsafe(32)
            self._sessions[new_key] = session
        return new_key, session


def csrf_matches(session: Session | None, sent: str | None) -> bool:
    return bool(session and sent) and hmac.compare_digest(session.csrf_token, sent)
