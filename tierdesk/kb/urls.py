"""The knowledge base in the agent console, mounted under /kb/."""

from django.urls import path

from tierdesk.kb import views, views_categories

urlpatterns = [
    path("", views.article_list, name="kb"),
    path("new/", views.article_new, name="kb-new"),
    path("categories/", views_categories.categories, name="kb-categories"),
    path("categories/<int:category_id>/", views_categories.category_rename, name="kb-category"),
    path(
        "categories/<int:category_id>/delete/",
        views_categories.category_delete,
        name="kb-category-delete",
    ),
    path("<int:article_id>-<slug:slug>/", views.article_detail, name="kb-article"),
    path("<int:article_id>/", views.article_detail, name="kb-article-short"),
    path("<int:article_id>/edit/", views.article_edit, name="kb-edit"),
]
