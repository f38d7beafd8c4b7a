"""The macros pages, mounted under /macros/ (each behind the console's door)."""

from tierdesk.macros import views
from tierdesk.tickets.views.common import console_path as path

urlpatterns = [
    path("", views.macro_list, name="macro-list"),
    path("new/", views.macro_new, name="macro-new"),
    path("<int:macro_id>/", views.macro_edit, name="macro-edit"),
    path("<int:macro_id>/delete/", views.macro_delete, name="macro-delete"),
    path("signature/", views.signature_post, name="macro-signature"),
    path("search/<int:number>/", views.macro_search, name="macro-search"),
    path("<int:macro_id>/apply/<int:number>/", views.macro_apply, name="macro-apply"),
]
