from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partner organisations and referrals"

    def ready(self) -> None:
        from accounts.second_factor import PRIVILEGED_ACCOUNTS  # noqa: PLC0415 - apps first

        from .selectors import is_referrer  # noqa: PLC0415 - models are ready only now

        # Referrers handle people's personal data: the staff's second-factor rule is theirs.
        if is_referrer not in PRIVILEGED_ACCOUNTS:
            PRIVILEGED_ACCOUNTS.append(is_referrer)
