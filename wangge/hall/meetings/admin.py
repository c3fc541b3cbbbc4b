from django.contrib import admin

from .models import (
    Attendance,
    Ballot,
    HallRules,
    Invitation,
    MeetingRecord,
    Minutes,
    Motion,
    Resolution,
    Voter,
)


@admin.register(HallRules)
class HallRulesAdmin(admin.ModelAdmin):
    list_display = ["hall", "min_attendees", "min_invited_share", "required_kinds"]


@admin.register(MeetingRecord)
class MeetingRecordAdmin(admin.ModelAdmin):
    list_display = ["session", "held_at", "published_at"]
    readonly_fields = ["checkin_token"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["session", "person", "organisation", "capacity", "response", "responded_at"]
    list_filter = ["response"]
    raw_id_fields = ["session", "person", "organisation"]
    readonly_fields = ["token"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "name", "organisation_name", "method", "checked_in_at"]
    list_filter = ["method"]
    raw_id_fields = ["session", "person", "invitation", "organisation", "household"]


@admin.register(Minutes)
class MinutesAdmin(admin.ModelAdmin):
    list_display = ["item", "edited_by_label", "edited_at"]
    raw_id_fields = ["item", "edited_by"]


class ReadOnly(admin.ModelAdmin):
    """Votes are the record of a vote: never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Motion)
class MotionAdmin(admin.ModelAdmin):
    list_display = ["text", "session", "method", "basis", "secret", "threshold", "status", "result",
                    "votes_for", "votes_against", "votes_abstain"]
    list_filter = ["status", "method", "threshold"]
    raw_id_fields = ["session", "item"]


@admin.register(Voter)
class VoterAdmin(ReadOnly):
    list_display = ["motion", "key"]


@admin.register(Ballot)
class BallotAdmin(ReadOnly):
    list_display = ["motion", "choice", "voter_name"]


@admin.register(Resolution)
class ResolutionAdmin(admin.ModelAdmin):
    list_display = ["text", "session", "responsible_person", "responsible_organisation", "due_on"]
    raw_id_fields = ["session", "item", "motion", "responsible_person", "responsible_organisation", "matters"]
