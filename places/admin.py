from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import Postcode


@admin.register(Postcode)
class PostcodeAdmin(GISModelAdmin):
    list_display = ["postcode", "district_code", "terminated"]
    search_fields = ["postcode"]
    list_filter = ["terminated"]
