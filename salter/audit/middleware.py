"""Every web request collects the accesses its access functions record and writes them
once the response is ready, before a byte of it is sent (`salter.audit.log`)."""

from salter.audit import log
from salter.web.addresses import client_address


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # An error while writing propagates: Django answers 500 instead of the page,
        # so nothing is shown that the log does not name.
        with log.collecting(address=client_address(request), path=request.path):
            return self.get_response(request)
