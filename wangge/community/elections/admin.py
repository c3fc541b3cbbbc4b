from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin

from .models import AuditEntry, Ballot, Election, Nomination, Vote


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: elections are run on their pages, so that every change goes through the services and
    lands in the audit trail."""

    list_display = ["title", "community", "eligibility", "basis", "voting_opens", "voting_closes", "announced_at",
                    "results_published_at"]
    list_filter = ["eligibility", "basis"]
    list_select_related = ["community"]
    search_fields = ["title"]
    date_hierarchy = "voting_closes"


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["election", "nominee", "status", "citation", "nominated_by_label", "created_at"]
    list_filter = ["status"]
    list_select_related = ["election", "nominee"]
    raw_id_fields = ["election", "nominee", "nominated_by", "decided_by"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["election", "voter_key", "cast_at"]
    list_select_related = ["election"]
    raw_id_fields = ["election", "voter"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["election", "candidate"]
    list_select_related = ["election", "candidate__nominee"]
    raw_id_fields = ["election", "candidate"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "election", "action", "actor_label"]
    list_filter = ["action"]
    list_select_related = ["election"]
    raw_id_fields = ["election", "actor"]
