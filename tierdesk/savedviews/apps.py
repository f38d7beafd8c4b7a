from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "tierdesk.savedviews"
    label = "savedviews"
    verbose_name = "Saved views"
