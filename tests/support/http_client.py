"""A browser reduced to what the site needs, speaking plain HTTP to gunicorn as the TLS proxy would.

Production cookies are ``Secure`` and this client speaks plain HTTP (``X-Forwarded-Proto: https`` stands in for
TLS), so a cookie jar would never send them back: the cookies are kept by hand. ``on=`` picks the instance of a
request; without it the client alternates between the instances it was given.
"""
from __future__ import annotations

import itertools
import re
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class SiteClient:
    def __init__(self, *bases: str):
        self.bases = list(bases)
        self._turn = itertools.cycle(range(len(self.bases)))
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()
        self.http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.answered_by: list[int] = []

    def request(self, method: str, path: str, *, on: int | None = None, headers: dict | None = None, **kwargs):
        index = next(self._turn) if on is None else on
        base = self.bases[index]
        origin = "https://" + urlsplit(base).netloc
        sent = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies and method not in ("GET", "HEAD"):
            sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        url = path if path.startswith("http") else base + path
        response = self.http.request(method, url, headers=sent, allow_redirects=False, timeout=120, **kwargs)
        for name, value in response.cookies.items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        self.answered_by.append(index)
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)

    def csrf_token(self, path: str, **kwargs) -> str:
        response = self.get(path, **kwargs)
        found = CSRF_FIELD.search(response.text)
        if response.status_code != 200 or not found:
            raise AssertionError(f"GET {path} answered {response.status_code} without a form: {response.text[:300]}")
        return found.group(1)

    def post_form(self, path: str, data: dict, *, form_on: int | None = None, on: int | None = None, **kwargs):
        """GET the form (for its CSRF token), then POST it; each on the instance asked for, else alternating."""
        token = self.csrf_token(path, on=form_on)
        return self.post(path, data={"csrfmiddlewaretoken": token, **data}, on=on, **kwargs)
