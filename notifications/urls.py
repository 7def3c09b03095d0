from django.urls import path

from . import callbacks

urlpatterns = [
    path("receipts/", callbacks.delivery_receipt_view, name="notify_receipt"),
    path("received-texts/", callbacks.received_text_view, name="notify_received_text"),
]
