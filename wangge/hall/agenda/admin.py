from django.contrib import admin

from .models import Hall, Item, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("title", "starts_at", "ends_at", "place", "status")
    show_change_link = True


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "community", "day_of_month", "start_time", "on_non_working_day", "active")
    list_filter = ("active", "on_non_working_day")
    search_fields = ("name", "place", "community__name")
    raw_id_fields = ("community", "subdistrict")


class ItemInline(admin.TabularInline):
    model = Item
    fk_name = "session"
    extra = 0
    fields = ("position", "kind", "title", "status", "minutes_planned")
    show_change_link = True


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "hall", "starts_at", "status", "moved_from")
    list_filter = ("status", "hall")
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    raw_id_fields = ("hall", "subdistrict")
    inlines = [ItemInline]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "kind", "status", "origin", "hall", "session", "position", "minutes_planned")
    list_filter = ("kind", "status", "origin", "hall")
    search_fields = ("title", "description")
    raw_id_fields = ("hall", "session", "deferred_from", "proposed_by", "subdistrict", "matters")
