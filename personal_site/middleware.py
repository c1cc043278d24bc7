"""Request-wide helpers."""
from django.utils import timezone


class RequestArrivalMiddleware:
    """Stamp each request with the moment it arrived, before anything reads its body.

    Deadlines are judged on arrival: a large upload that starts at 23:59:58 and finishes after
    midnight still counts as on time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.arrived_at = timezone.now()
        return self.get_response(request)
