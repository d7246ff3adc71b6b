"""Throttling of failed sign-ins, per account and per network address, in the database
(so every web process counts the same, with or without Redis).

Per account, with a growing delay: the first SALTER_LOGIN_FREE_ATTEMPTS failures cost
nothing; each further one locks the account for SALTER_LOGIN_DELAY_SECONDS, doubled at
every failure up to SALTER_LOGIN_MAX_DELAY_SECONDS. Failures are forgotten after a
successful sign-in, or SALTER_LOGIN_FORGET_SECONDS after the last one. A guesser gets a
few dozen tries a day; a colleague who mistypes waits a minute.

Someone who knows a username could keep that account locked from anywhere. So a browser
the account signed in from before carries a signed cookie, and there the account is
counted apart (kind BROWSER): a stranger's failures do not lock its owner out of their
own computer, and failures in that browser lock only that browser.

Per address, generously: SALTER_LOGIN_ADDRESS_LIMIT failures within
SALTER_LOGIN_ADDRESS_WINDOW_SECONDS lock the address for the rest of the window. A
municipal office behind one NAT address makes a handful of mistakes an hour, not a
hundred; one machine trying passwords across many accounts does. The address is the
client's as `salter.web.addresses` reads it (X-Forwarded-For only from trusted proxies).

An administrator lifts a lock with `salter unlock <username>` (or `--address`).
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from salter.accounts.models import LoginThrottle
from salter.web.addresses import client_address

logger = logging.getLogger(__name__)
Kind = LoginThrottle.Kind

BROWSER_COOKIE = "salter_browser"
_BROWSER_SALT = "salter.accounts.browser"
_BROWSER_DAYS = 180
_BROWSER_ACCOUNTS = 20  # a counter computer is shared by a few colleagues, not more


@dataclass(frozen=True)
class Refusal:
    kind: str  # Kind.ACCOUNT (also for BROWSER) or Kind.ADDRESS
    until: datetime


def account_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _browser(request) -> dict | None:
    try:
        data = signing.loads(request.COOKIES.get(BROWSER_COOKIE, ""), salt=_BROWSER_SALT,
                             max_age=timedelta(days=_BROWSER_DAYS))
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _keys(request, username: str) -> list[tuple[str, str]]:
    """The counters a sign-in attempt as `username` from this request falls under."""
    account = account_key(username)
    browser = _browser(request)
    if browser and account in browser.get("accounts", ()):
        counted = (Kind.BROWSER, f"{account}|{browser['nonce']}")
    else:
        counted = (Kind.ACCOUNT, account)
    return [counted, (Kind.ADDRESS, client_address(request))]


def _matching(keys) -> Q:
    match = Q(pk__in=[])
    for kind, key in keys:
        match |= Q(kind=kind, key=key)
    return match


def refusal(request, username: str, now: datetime | None = None) -> Refusal | None:
    """Why an attempt must not even be tried now, or None."""
    now = now or timezone.now()
    locked = (LoginThrottle.objects.filter(_matching(_keys(request, username)),
                                           locked_until__gt=now)
              .order_by("-locked_until").first())
    if locked is None:
        return None
    kind = Kind.ADDRESS if locked.kind == Kind.ADDRESS else Kind.ACCOUNT
    return Refusal(kind=kind, until=locked.locked_until)


def _lock_until(row: LoginThrottle, now: datetime) -> datetime | None:
    if row.kind == Kind.ADDRESS:
        if row.failures < settings.SALTER_LOGIN_ADDRESS_LIMIT:
            return None
        return row.first_failure_at + timedelta(
            seconds=settings.SALTER_LOGIN_ADDRESS_WINDOW_SECONDS)
    over = row.failures - settings.SALTER_LOGIN_FREE_ATTEMPTS - 1
    if over < 0:
        return None
    delay = min(settings.SALTER_LOGIN_DELAY_SECONDS * 2 ** min(over, 30),
                settings.SALTER_LOGIN_MAX_DELAY_SECONDS)
    return now + timedelta(seconds=delay)


def _forget_after(kind: str) -> timedelta:
    if kind == Kind.ADDRESS:
        return timedelta(seconds=settings.SALTER_LOGIN_ADDRESS_WINDOW_SECONDS)
    return timedelta(seconds=settings.SALTER_LOGIN_FORGET_SECONDS)


def record_failure(request, username: str, now: datetime | None = None) -> Refusal | None:
    """Count a failed attempt; returns the lock it caused, if any."""
    now = now or timezone.now()
    caused = None
    with transaction.atomic():
        for kind, key in _keys(request, username):
            row, created = (LoginThrottle.objects.select_for_update()
                            .get_or_create(kind=kind, key=key, defaults={
                                "first_failure_at": now, "last_failure_at": now}))
            if not created and (now - (row.first_failure_at if kind == Kind.ADDRESS
                                       else row.last_failure_at)) > _forget_after(kind):
                row.failures, row.first_failure_at = 0, now
            row.failures += 1
            row.last_failure_at = now
            row.locked_until = _lock_until(row, now)
            row.save()
            if row.locked_until and (caused is None or row.locked_until > caused.until):
                caused = Refusal(kind=Kind.ADDRESS if kind == Kind.ADDRESS else Kind.ACCOUNT,
                                 until=row.locked_until)
        # Forgotten counters go, so that made-up usernames do not pile up.
        oldest = now - max(_forget_after(Kind.ACCOUNT), _forget_after(Kind.ADDRESS))
        LoginThrottle.objects.filter(last_failure_at__lt=oldest).delete()
    if caused:
        logger.warning("sign-in locked for %s from %s until %s (%s)", account_key(username),
                       client_address(request), caused.until.isoformat(), caused.kind)
    return caused


def record_success(request, response, username: str) -> None:
    """Forget the account's failures where it signed in, and remember this browser."""
    counted = _keys(request, username)[0]
    LoginThrottle.objects.filter(kind=counted[0], key=counted[1]).delete()
    browser = _browser(request) or {"nonce": secrets.token_urlsafe(16), "accounts": []}
    accounts = [a for a in browser["accounts"] if a != account_key(username)]
    browser["accounts"] = [account_key(username), *accounts][:_BROWSER_ACCOUNTS]
    response.set_cookie(BROWSER_COOKIE, signing.dumps(browser, salt=_BROWSER_SALT),
                        max_age=_BROWSER_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


def unlock(*, username: str | None = None, address: str | None = None) -> int:
    """Forget the failures of an account (in every browser) or of an address; returns
    how many counters were removed."""
    match = Q(pk__in=[])
    if username is not None:
        account = account_key(username)
        match |= Q(kind=Kind.ACCOUNT, key=account) | Q(kind=Kind.BROWSER,
                                                       key__startswith=f"{account}|")
    if address is not None:
        match |= Q(kind=Kind.ADDRESS, key=address)
    deleted, _ = LoginThrottle.objects.filter(match).delete()
    return deleted


def current_locks(now: datetime | None = None):
    return LoginThrottle.objects.filter(locked_until__gt=now or timezone.now()).order_by(
        "locked_until")
