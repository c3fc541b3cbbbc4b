from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LanguageMiddleware(LocaleMiddleware):
    """zh-Hans unless the user picked another language from the menu (kept in the language cookie).

    The browser's Accept-Language is not consulted: community offices run browsers set to English as
    often as not, and the platform speaks simplified Chinese unless told otherwise.
    """

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
