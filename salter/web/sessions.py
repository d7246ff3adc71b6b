"""Staff sessions end after SALTER_SESSION_IDLE_MINUTES without a request, and when the
browser closes (settings: SESSION_COOKIE_AGE, SESSION_EXPIRE_AT_BROWSER_CLOSE).

Django moves a session's expiry only when the session is saved. Saving it on every
request would write to the database for every page and every HTMX refresh; here it is
saved when the last save is a minute old or more, so the idle time is kept to within a
minute for the price of one write a minute per active user.
"""

import time

_TOUCHED = "_salter_touched"
_EVERY_SECONDS = 60


class SessionIdleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get(_TOUCHED, 0) >= _EVERY_SECONDS:
                session[_TOUCHED] = now  # modified: SessionMiddleware saves it
        return response
