"""Other help nearby: a council admin points Kith at the council's Open Referral UK directory
(its API's address, read every night, or a file) and sees what was read. People whose need
no helper can reach, and staff on that need, are shown the services near them."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError
from core.links import absolute_url
from directory import feed as directory_feed
from directory import selectors as directory
from directory import services as directory_services
from directory import tasks as directory_tasks
from staff_console.access import staff_view
from staff_console.directory_forms import DirectoryAddressForm, DirectoryFileForm
from staff_console.views.base import C, call_service, render_staff


def _page(request, *, address_form=None, file_form=None, status=200):
    council = request.staff_council
    source = directory.directory_source_of(council)
    return render_staff(
        request,
        "directory.html",
        {
            "form": address_form,
            "form2": file_form,
            "address_form": address_form
            or DirectoryAddressForm(initial={"url": source.url if source else ""}),
            "file_form": file_form or DirectoryFileForm(),
            "source": source,
            "services": directory.directory_services(council)[:50],
            "count": directory.directory_services_count(council),
            "oruk_url": absolute_url(
                reverse("oruk_service", args=[directory_feed.service_id(council)])
            ),
        },
        status=status,
    )


@require_GET
@staff_view(C.COUNCIL_SETTINGS)
def directory_settings(request):
    return _page(request)


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def directory_address(request):
    form = DirectoryAddressForm(request.POST)
    if form.is_valid() and call_service(
        form,
        directory_services.directory_address_set,
        actor=request.user,
        url=form.cleaned_data["url"],
    ):
        if form.cleaned_data["url"]:
            messages.success(request, _("Address saved. Kith will read the directory tonight."))
        else:
            messages.success(request, _("Kith will no longer read a directory from an address."))
        return redirect("staff:directory")
    return _page(request, address_form=form, status=400)


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def directory_file(request):
    form = DirectoryFileForm(request.POST, request.FILES)
    if form.is_valid():
        count = call_service(
            form,
            directory_services.directory_upload,
            actor=request.user,
            content=form.cleaned_data["file"].read(directory_services.MAX_UPLOAD_BYTES + 1),
        )
        if count is not None:
            messages.success(request, _("Directory read: %(count)s services.") % {"count": count})
            return redirect("staff:directory")
    return _page(request, file_form=form, status=400)


@require_POST
@staff_view(C.COUNCIL_SETTINGS)
def directory_read_now(request):
    try:
        council_id = directory_services.directory_read_ask(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("staff:directory")
    directory_tasks.directory_refresh.delay(council_id)
    messages.success(
        request, _("Kith is reading your directory. Refresh this page in a minute to see it.")
    )
    return redirect("staff:directory")
