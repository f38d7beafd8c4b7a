from django.contrib import admin

from tierdesk.core.admin import ReadOnlyAdmin
from tierdesk.kb.models import Article, Category, Revision


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Read-only: categories are managed on the console's knowledge-base pages, through
    the services (which refuse deleting one that articles still use)."""

    list_display = ("name", "slug", "order")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    fields = ("number", "author", "note", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    """Read here; write in the console (/kb/), where every change writes a revision."""

    list_display = ("title", "audience", "partner", "status", "category", "updated_at")
    list_filter = ("audience", "status", "category")
    search_fields = ("title", "summary", "body")
    inlines = [RevisionInline]
