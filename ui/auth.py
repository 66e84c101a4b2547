"""Optional login with two roles.

`BAOCAO_AUTH` holds entries `user:password:role` separated by commas, or the path of a file with one
entry per line (blank lines and lines starting with # are skipped). The role is `reader` (asks
questions and gives feedback) or `editor` (also uploads, deletes, re-indexes, runs evaluations and
exports the feedback); an entry without a role is a reader, so that a login never grants more than
asked for. Without `BAOCAO_AUTH` there is no login and the one local user is an editor.

A password is either written as is (allowed in the environment variable only) or as a hash made by
`baocao hash-password` (or `python -c "from ui.auth import hash_password; print(hash_password('…'))"`):
`scrypt$16384$8$1$<salt>$<key>` with the standard library's `hashlib.scrypt`. In a file, passwords
must be hashed: a file is copied, backed up and read by others more easily than an environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

READER, EDITOR = "reader", "editor"
ROLES = (READER, EDITOR)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthConfigError(ValueError):
    """BAOCAO_AUTH cannot be read; the message says which entry and why, in Vietnamese."""


@dataclass(frozen=True)
class Account:
    user: str
    secret: str  # the password, or its "scrypt$…" hash
    role: str = READER

    @property
    def hashed(self) -> bool:
        return self.secret.startswith("scrypt$")

    def check(self, password: str) -> bool:
        """Constant-time comparison with the password or its hash."""
        if not self.hashed:
            return hmac.compare_digest(self.secret.encode(), (password or "").encode())
        try:
            _, n, r, p, salt, key = self.secret.split("$")
            expected = base64.b64decode(key)
            got = hashlib.scrypt((password or "").encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                 p=int(p), dklen=len(expected))
        except (ValueError, TypeError):
            return False
        return hmac.compare_digest(expected, got)


def hash_password(password: str) -> str:
    """The `scrypt$…` form of a password for BAOCAO_AUTH (a new random salt each time)."""
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "$".join(["scrypt", str(_SCRYPT["n"]), str(_SCRYPT["r"]), str(_SCRYPT["p"]),
                     base64.b64encode(salt).decode(), base64.b64encode(key).decode()])


def _accounts(entries: list[tuple[str, str]], need_hash: bool) -> list[Account]:
    accounts = []
    for where, entry in entries:
        user, sep, rest = entry.partition(":")
        user = user.strip()
        secret, role = rest, READER
        head, colon, last = rest.rpartition(":")
        if colon and last.strip().lower() in ROLES:
            secret, role = head, last.strip().lower()
        if not sep or not user or not secret:
            raise AuthConfigError(f"BAOCAO_AUTH: mục {where} không đúng dạng tên:mật_khẩu:vai_trò "
                                  f"(vai trò: {READER} hoặc {EDITOR})")
        account = Account(user, secret, role)
        if need_hash and not account.hashed:
            raise AuthConfigError(f"BAOCAO_AUTH: mục {where} ghi mật khẩu chưa băm; trong tệp, mật khẩu phải được "
                                  "băm: hãy tạo bằng lệnh `baocao hash-password` rồi chép kết quả vào thay mật khẩu")
        accounts.append(account)
    return accounts


def parse_auth(value: str) -> list[Account]:
    """The accounts of a BAOCAO_AUTH value; [] when it is empty (no login)."""
    value = (value or "").strip()
    if not value:
        return []
    path = Path(value).expanduser()
    if ":" not in value or path.is_file():
        if not path.is_file():
            raise AuthConfigError(f"BAOCAO_AUTH: không có tệp {value} (hoặc hãy ghi dạng tên:mật_khẩu:vai_trò)")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthConfigError(f"BAOCAO_AUTH: không đọc được tệp {path}: {exc}") from exc
        entries = [(f"dòng {i} của {path}", line.strip()) for i, line in enumerate(lines, 1)
                   if line.strip() and not line.lstrip().startswith("#")]
        if not entries:
            raise AuthConfigError(f"BAOCAO_AUTH: tệp {path} không có tài khoản nào (tên:mật_khẩu_đã_băm:vai_trò)")
        return _accounts(entries, need_hash=True)
    return _accounts([(f"“{e.strip().partition(':')[0]}”", e.strip()) for e in value.split(",") if e.strip()],
                     need_hash=False)


def checker(accounts: list[Account]) -> Callable[[str, str], bool]:
    """A check of one login against the accounts (Gradio's `auth` callable)."""
    table = {a.user: a for a in accounts}

    def check(user: str, password: str) -> bool:
        account = table.get(user)
        return account is not None and account.check(password)

    return check


class Roles:
    """Who may change the library: `may_edit(username)`. Without accounts (no login) everyone may."""

    def __init__(self, accounts: list[Account]) -> None:
        self.login = bool(accounts)
        self._roles = {a.user: a.role for a in accounts}

    def role_of(self, username: str | None) -> str:
        if not self.login:
            return EDITOR
        return self._roles.get(username or "", "")

    def may_edit(self, username: str | None) -> bool:
        return self.role_of(username) == EDITOR

    @staticmethod
    def refusal(username: str | None) -> str:
        who = f"Tài khoản “{username}”" if username else "Tài khoản này"
        return (f"{who} chỉ có quyền đọc (hỏi đáp và góp ý). Tải báo cáo lên, xóa, nạp lại, chạy đánh giá và xuất "
                "góp ý cần quyền biên tập; hãy nhờ người quản trị cấp quyền.")


# --- the login page in Vietnamese -------------------------------------------------------------------
# Gradio renders its login form before the app's config (and so before our translations and page
# script) reaches the browser, in English. This middleware adds a small script to the login page that
# puts the form's words into Vietnamese.

LOGIN_WORDS = {
    "Login": "Đăng nhập",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "Incorrect Credentials": "Sai tên đăng nhập hoặc mật khẩu",
    "If you are visiting a HuggingFace Space in Incognito mode, you must enable third party cookies.":
        "Hãy bật cookie của trình duyệt để đăng nhập.",
}


def _login_script() -> bytes:
    import json

    words = json.dumps(LOGIN_WORDS, ensure_ascii=False)
    script = f"""<script>(() => {{
  const words = {words};
  document.documentElement.lang = "vi";
  const fix = (root) => {{
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
      const key = node.nodeValue.trim();
      if (words[key]) node.nodeValue = node.nodeValue.replace(key, words[key]);
    }}
    root.querySelectorAll && root.querySelectorAll("[placeholder],[aria-label]").forEach((el) => {{
      for (const attr of ["placeholder", "aria-label"]) {{
        const value = el.getAttribute(attr);
        if (value && words[value.trim()]) el.setAttribute(attr, words[value.trim()]);
      }}
    }});
  }};
  const start = () => {{
    fix(document.body);
    new MutationObserver(() => fix(document.body)).observe(document.body,
      {{ childList: true, subtree: true, characterData: true }});
  }};
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
}})();</script>"""
    return script.encode("utf-8")


class VietnameseLoginPage:
    """ASGI middleware: on the page Gradio serves while a login is required, add the script above."""

    def __init__(self, app) -> None:
        self.app = app
        self.script = _login_script()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        state: dict = {"start": None, "body": []}

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    state["start"] = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and state["start"] is not None:
                state["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(state["body"])
                if b'"auth_required": true' in body or b'"auth_required":true' in body:
                    body = body.replace(b"</head>", self.script + b"</head>", 1)
                headers = [(k, v) for k, v in state["start"].get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**state["start"], "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)
