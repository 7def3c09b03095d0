"""Writes for matching, by subject: the match lifecycle (`lifecycle`) and what the two people
say to each other, feedback and alert preferences (`conversation`). Callers use this package;
the names below are its interface."""

from ..eligibility import pair_problem
from .conversation import (
    MESSAGE_OPEN_STATUSES,
    READ_NOT_ALLOWED,
    alert_preference_update,
    alert_unsubscribe,
    feedback_leave,
    message_list,
    message_report,
    message_send,
)
from .lifecycle import (
    BLOCK_ENDED_REASON,
    MATCH_ENDED_BODY,
    MATCH_ENDED_SUBJECT,
    match_accept,
    match_cancel,
    match_complete,
    match_decline,
    match_end,
    match_offer_help,
    match_propose_by_staff,
    match_request,
    match_start,
    matches_end_for_block,
    matches_expire,
)

__all__ = [
    "BLOCK_ENDED_REASON",
    "MATCH_ENDED_BODY",
    "MATCH_ENDED_SUBJECT",
    "MESSAGE_OPEN_STATUSES",
    "READ_NOT_ALLOWED",
    "alert_preference_update",
    "alert_unsubscribe",
    "feedback_leave",
    "match_accept",
    "match_cancel",
    "match_complete",
    "match_decline",
    "match_end",
    "match_offer_help",
    "match_propose_by_staff",
    "match_request",
    "match_start",
    "matches_end_for_block",
    "matches_expire",
    "message_list",
    "message_report",
    "message_send",
    "pair_problem",
]
