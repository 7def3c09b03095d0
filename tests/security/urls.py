"""A URLconf for the header tests: a page with an inline script and style that use the CSP
nonce, and a plain response, next to the project's own URLs."""

from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import include, path
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

_PAGE = engines["django"].from_string(
    "<!DOCTYPE html><html><head>"
    '<style nonce="{{ request.csp_nonce }}">body{margin:0}</style></head>'
    '<body><script nonce="{{ csp_nonce }}">document.body.className="js-enabled"</script>'
    "</body></html>"
)


def page_with_inline_script(request):
    return HttpResponse(_PAGE.render({}, request))


def plain(request):
    return HttpResponse("plain")


class NobodyMay(BasePermission):
    def has_permission(self, request, view):
        return False


class ForbiddenApi(APIView):
    permission_classes = [NobodyMay]

    def get(self, request):
        return Response({})


class HiddenApi(APIView):
    def get(self, request, pk):
        raise Http404


class OpenApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("_test/open", OpenApi.as_view()),
    path("_test/forbidden", ForbiddenApi.as_view()),
    path("_test/hidden/<int:pk>", HiddenApi.as_view()),
    path("_test/nonce", page_with_inline_script),
    path("_test/plain", plain),
    path("", include("config.urls")),
]
