from tierdesk.savedviews import views
from tierdesk.tickets.views.common import console_path as path

urlpatterns = [
    path("", views.view_list, name="saved-views"),
    path("nav/", views.view_nav, name="saved-views-nav"),
    path("<int:view_id>/", views.view_change, name="saved-view"),
]
