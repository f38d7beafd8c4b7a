from django.urls import path

from tierdesk.search import views
from tierdesk.tickets.views.common import console_path

urlpatterns = [
    # The console's search is behind the console's door; customers search in the portal.
    console_path("search/", views.search_page, name="search"),
    path("portal/search/", views.portal_search, name="portal-search"),
]
