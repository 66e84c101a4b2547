"""Optional login: `BAOCAO_AUTH` holds "user:password" pairs separated by commas, or the path of a file
with one pair per line (blank lines and lines starting with # are skipped)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path


class AuthConfigError(ValueError):
    """BAOCAO_AUTH cannot be read; the message says which entry and why, in Vietnamese."""


def _pairs(entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = []
    for where, entry in entries:
        user, sep, password = entry.partition(":")
        user = user.strip()
        if not sep or not user or not password:
            raise AuthConfigError(f"BAOCAO_AUTH: mục {where} không đúng dạng tên:mật_khẩu")
        pairs.append((user, password))
    return pairs


def parse_auth(value: str) -> list[tuple[str, str]]:
    """The (user, password) pairs of a BAOCAO_AUTH value; [] when it is empty (no login)."""
    value = (value or "").strip()
    if not value:
        return []
    path = Path(value).expanduser()
    if ":" not in value or path.is_file():
        if not path.is_file():
            raise AuthConfigError(f"BAOCAO_AUTH: không có tệp {value} (hoặc hãy ghi dạng tên:mật_khẩu)")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthConfigError(f"BAOCAO_AUTH: không đọc được tệp {path}: {exc}") from exc
        entries = [(f"dòng {i} của {path}", line.strip()) for i, line in enumerate(lines, 1)
                   if line.strip() and not line.lstrip().startswith("#")]
        if not entries:
            raise AuthConfigError(f"BAOCAO_AUTH: tệp {path} không có cặp tên:mật_khẩu nào")
        return _pairs(entries)
    return _pairs([(f"“{e.strip().partition(':')[0]}”", e.strip()) for e in value.split(",") if e.strip()])


def checker(pairs: list[tuple[str, str]]) -> Callable[[str, str], bool]:
    """A constant-time check of one login against the pairs (Gradio's `auth` callable)."""
    table = dict(pairs)

    def check(user: str, password: str) -> bool:
        expected = table.get(user)
        return expected is not None and hmac.compare_digest(expected.encode(), (password or "").encode())

    return check


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
