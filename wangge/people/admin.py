from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import ReadOnlyAdmin

from .models import ApiToken, Duty, Membership, Organisation, Person, PiiAccessLog


class DutyInline(admin.TabularInline):
    model = Duty
    extra = 0
    raw_id_fields = ["grid", "organisation"]
    exclude = ["subdistrict"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["organisation"]
    exclude = ["subdistrict"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "masked_phone_display", "user", "resident"]
    search_fields = ["search_text"]
    raw_id_fields = ["resident", "user", "grid", "subdistrict"]
    inlines = [DutyInline, MembershipInline]

    @admin.display(description=_("联系电话"))
    def masked_phone_display(self, obj):
        return obj.masked_phone


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "grid"]
    list_filter = ["kind"]
    search_fields = ["search_text"]
    raw_id_fields = ["parent", "grid", "subdistrict"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "organisation", "post", "is_party_member", "start", "end"]
    list_filter = ["is_party_member", "organisation__kind"]
    raw_id_fields = ["person", "organisation", "subdistrict"]


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "grid", "start", "end"]
    list_filter = ["role"]
    search_fields = ["person__search_text", "grid__name", "grid__code"]
    raw_id_fields = ["person", "grid", "organisation", "subdistrict"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at", "revoked"]
    readonly_fields = ["digest", "prefix", "created_at", "last_used_at"]


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The access log is read-only, and only superusers see it."""

    list_display = ["at", "actor", "subject_name", "fields", "purpose", "reason"]
    list_filter = ["purpose"]
    search_fields = ["subject_name", "actor__username", "reason"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

