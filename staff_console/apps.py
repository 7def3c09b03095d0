from django.apps import AppConfig


class StaffConsoleConfig(AppConfig):
    name = "staff_console"
    verbose_name = "The council staff console"
