from django.urls import path

from . import views

urlpatterns = [
    path("", views.api_root, name="oruk_root"),
    path("openapi.json", views.openapi, name="oruk_openapi"),
    path("services", views.services, name="oruk_services"),
    path("services/<str:service_id>", views.service, name="oruk_service"),
]
