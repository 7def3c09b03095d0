from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from core.events import happened
        from marketplace.signals import need_opened

        from .tasks import need_opened as alert_if_urgent

        need_opened.connect(
            lambda sender, need, **kwargs: alert_if_urgent(need=need),
            dispatch_uid="matching.alert_if_urgent",
            weak=False,
        )
        happened.connect(
            lambda sender, event, **kwargs: _on_event(event),
            dispatch_uid="matching.on_need_withdrawn",
            weak=False,
        )


def _on_event(event) -> None:
    """A withdrawn need takes its matches still going with it, and a need made full by an
    accepted match its other proposals (in the same transaction: a need withdrawn with its
    helper still arranged to visit would be a half-made change)."""
    if event.verb == "need.withdrawn" and event.target_type == "need" and event.target_id:
        from .services.lifecycle import matches_end_for_withdrawn_need  # noqa: PLC0415

        matches_end_for_withdrawn_need(need_id=event.target_id, actor_id=event.actor_id)
    elif event.verb == "match.accepted" and event.target_id and event.data.get("need"):
        # A need now full ends the other proposals still waiting on it.
        from .services.lifecycle import proposals_end_for_filled_need  # noqa: PLC0415

        proposals_end_for_filled_need(need_id=event.data["need"], accepted_id=event.target_id)
