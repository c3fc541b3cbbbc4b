class ReadOnlyAdmin:
    """Admin mixin for append-only records (logs, job reports): viewable, never added, edited or deleted."""

    def has_add_permission(self, request, obj=None):  # inlines pass the parent object
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
