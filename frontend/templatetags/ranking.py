"""How a list of suggestions is ordered, in the words `matching.scoring` keeps in one place."""

from __future__ import annotations

from django import template

from matching.scoring import ordering_sentence

register = template.Library()


@register.simple_tag
def ranking_order(viewer: str) -> str:
    """`{% ranking_order "need" %}` above helpers suggested for a need, `"offer"` above
    needs suggested for an offer."""
    return ordering_sentence(viewer)
