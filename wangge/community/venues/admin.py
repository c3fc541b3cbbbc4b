"""Admin of 活动场地: venues are edited here or through the API; bookings are decided on the bookings page
(or here), their contact phones masked in the list."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wangge.core.pii import mask_phone

from .models import Booking, Venue


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "place", "capacity", "needs_approval", "active"]
    list_filter = ["needs_approval", "active"]
    search_fields = ["name", "place", "community__name"]
    list_select_related = ["community"]
    raw_id_fields = ["community"]
    exclude = ["subdistrict"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["venue", "purpose", "starts_at", "ends_at", "attendees", "booker", "phone_masked", "status",
                    "decided_at"]
    list_filter = ["status", "venue"]
    search_fields = ["purpose", "contact_name", "venue__name", "organisation__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["venue", "organisation"]
    raw_id_fields = ["venue", "person", "organisation", "decided_by", "created_by"]
    exclude = ["subdistrict"]

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj):
        return mask_phone(obj.contact_phone)

    @admin.display(description=_("预约方"))
    def booker(self, obj):
        return obj.booker
