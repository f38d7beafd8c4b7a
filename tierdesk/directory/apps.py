from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "tierdesk.directory"
    label = "directory"
    verbose_name = "Platform directory"
