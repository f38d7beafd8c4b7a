from django.urls import path

from tierdesk.search import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("portal/search/", views.portal_search, name="portal-search"),
]
