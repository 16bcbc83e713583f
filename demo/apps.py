from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo school loader. It sits above every other app: it may call any app's services."""

    name = "demo"
    verbose_name = "Demo school"
