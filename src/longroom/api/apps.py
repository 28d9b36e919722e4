from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "longroom.api"
    label = "api"
    verbose_name = "API"
