"""API authentication: bearer tokens from POST /api/v1/auth/token, or the browser's session."""

from ninja.security import HttpBearer, SessionAuth

from wangge.people.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_authenticate(token)
        request.user = user
        return user


class Session(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), Session()]
