"""Web pages. Citizens and helpers use the same pages; what each person sees depends on
what they have recorded."""

from django.urls import path

from .views import (
    account,
    arrangements,
    claim,
    helping,
    matches,
    need_changes,
    needs,
    new_offer,
    notices,
    onboarding,
    pages,
    refer,
    safety,
    still_helping,
    tokens,
)

urlpatterns = [
    path("", account.home_or_dashboard, name="home"),
    path("privacy/", pages.privacy, name="privacy"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("cookies/", pages.cookies, name="cookies"),
    path("staying-safe/", pages.safety, name="safety"),
    # Going online with a code sent by text or letter
    path("go-online/", claim.claim_account, name="claim_account"),
    path("go-online/get-a-code/", claim.claim_ask, name="claim_ask"),
    path("go-online/your-account/", claim.claim_account_details, name="claim_account_details"),
    # A partner organisation's referrers (partners/)
    path("refer/", refer.referrals, name="referrals"),
    path("refer/new/", refer.referral_new, name="referral_new"),
    path("refer/<int:referral_id>/", refer.referral_detail, name="referral_detail"),
    # Getting started
    path("start/", onboarding.start_role, name="start_role"),
    path("start/postcode/", onboarding.start_postcode, name="start_postcode"),
    path("start/about-you/", onboarding.start_about, name="start_about"),
    path("home/", account.dashboard, name="dashboard"),
    # Needs
    path("needs/", needs.needs_mine, name="needs_mine"),
    path("needs/new/", needs.need_new, name="need_new"),
    path("needs/new/check/", needs.need_new_check, name="need_new_check"),
    path("needs/new/<slug:step>/", needs.need_new_step, name="need_new_step"),
    path("needs/<int:need_id>/", needs.need_detail, name="need_detail"),
    path("needs/<int:need_id>/ask/", needs.need_ask_helper, name="need_ask_helper"),
    path("needs/<int:need_id>/withdraw/", needs.need_withdraw, name="need_withdraw"),
    path("needs/<int:need_id>/change/<slug:part>/", need_changes.need_change, name="need_change"),
    path("needs/<int:need_id>/send-again/", need_changes.need_send_again, name="need_send_again"),
    path("needs/<int:need_id>/still-needed/", arrangements.still_needed, name="still_needed"),
    # Helping
    path("helping/", helping.helping, name="helping"),
    path("helping/alerts/", helping.alerts, name="alerts"),
    path(
        "helping/still-helping/<int:question_id>/",
        still_helping.still_helping,
        name="still_helping",
    ),
    path("helping/needs-near-me/", helping.needs_near, name="needs_near"),
    path("helping/needs/<int:need_id>/", helping.need_for_helper, name="need_for_helper"),
    path("offers/new/", new_offer.offer_new, name="offer_new"),
    path("offers/new/check/", new_offer.offer_new_check, name="offer_new_check"),
    path("offers/new/<slug:step>/", new_offer.offer_new_step, name="offer_new_step"),
    path("offers/<int:offer_id>/sent/", new_offer.offer_new_done, name="offer_new_done"),
    path("offers/<int:offer_id>/", helping.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/times/", helping.offer_availability, name="offer_availability"),
    path("offers/<int:offer_id>/pause/", helping.offer_pause, name="offer_pause"),
    path("offers/<int:offer_id>/close/", helping.offer_close, name="offer_close"),
    path("offers/<int:offer_id>/change/<slug:part>/", helping.offer_change, name="offer_change"),
    # Matches
    path("matches/<int:match_id>/", matches.match_detail, name="match_detail"),
    path("matches/<int:match_id>/accept/", matches.match_accept, name="match_accept"),
    path("matches/<int:match_id>/start/", matches.match_start, name="match_start"),
    path("matches/<int:match_id>/done/", matches.match_complete, name="match_complete"),
    path("matches/<int:match_id>/decline/", matches.match_decline, name="match_decline"),
    path("matches/<int:match_id>/feedback/", matches.match_feedback, name="match_feedback"),
    path("matches/<int:match_id>/concern/", matches.match_concern, name="match_concern"),
    path("matches/<int:match_id>/block/", safety.match_block, name="match_block"),
    path(
        "matches/<int:match_id>/messages/<int:message_id>/report/",
        safety.message_report,
        name="message_report",
    ),
    path(
        "matches/<int:match_id>/messages/<int:message_id>/report/sent/",
        safety.message_report_sent,
        name="message_report_sent",
    ),
    # Ongoing help: an accepted match's visits and changes
    path(
        "arrangements/<int:arrangement_id>/",
        arrangements.arrangement_detail,
        name="arrangement_detail",
    ),
    path(
        "arrangements/<int:arrangement_id>/visits/<int:visit_id>/",
        arrangements.visit_check_in,
        name="visit_check_in",
    ),
    path(
        "arrangements/<int:arrangement_id>/visits/<int:visit_id>/skip/",
        arrangements.visit_skip,
        name="visit_skip",
    ),
    path(
        "arrangements/<int:arrangement_id>/visits/<int:visit_id>/move/",
        arrangements.visit_move,
        name="visit_move",
    ),
    path(
        "arrangements/<int:arrangement_id>/change-time/",
        arrangements.arrangement_change_time,
        name="arrangement_change_time",
    ),
    path(
        "arrangements/<int:arrangement_id>/changes/<int:change_id>/",
        arrangements.arrangement_change_decide,
        name="arrangement_change_decide",
    ),
    path(
        "arrangements/<int:arrangement_id>/end/",
        arrangements.arrangement_end,
        name="arrangement_end",
    ),
    # Account
    path("account/", account.account_home, name="account_home"),
    path("account/contact/", notices.contact_preferences, name="contact_preferences"),
    path("account/contact/mobile/", notices.contact_mobile, name="contact_mobile"),
    path("whats-new/", notices.whats_new, name="whats_new"),
    path("whats-new/read/", notices.whats_new_read_all, name="whats_new_read_all"),
    path("whats-new/<int:notification_id>/", notices.whats_new_open, name="whats_new_open"),
    path("account/details/", account.account_profile, name="account_profile"),
    path("account/postcode/", account.account_postcode, name="account_postcode"),
    path("account/download/", account.account_download, name="account_download"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("account/tokens/", tokens.token_list, name="account_tokens"),
    path("account/tokens/new/", tokens.token_new, name="account_token_new"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="account_token_revoke"),
    path("account/blocked/", safety.account_blocks, name="account_blocks"),
    path(
        "account/blocked/<int:person_id>/unblock/", safety.account_unblock, name="account_unblock"
    ),
]
