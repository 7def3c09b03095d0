"""What Kith says, one entry per template: a subject, the words for email, letters and the
"What's new" list, a short text message, and why the person is being told.

Plain words that never repeat where anyone lives or how to reach them, and never another
person's words: a match is named by its category, not by the title its citizen typed (which
erasure must be able to reach), and a listing's own title goes only to its owner. Placeholders are
filled from the notice's context (`{category}`, `{title}`, `{reason}` …); a link to the page
where the person acts, and how to change how Kith contacts them, are added to every message
(`notifications.pipeline.render`).

Every sentence is marked for translation (`gettext_lazy`): the pipeline renders each message
under the person's correspondence language (`translation.override`), so a Welsh speaker reads
Welsh whoever caused the event; the Welsh is in `notifications/locale/cy/`. Placeholders stay
`{name}` in both languages; the values that fill them are words too, made in the same
language (`rules.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from matching.services import MATCH_ENDED_BODY, MATCH_ENDED_SUBJECT

Words = str | Promise


@dataclass(frozen=True)
class Template:
    subject: Words
    body: Words
    sms: Words
    why: Words


def _theirs(words: str) -> str:
    """Words another room defines (and translates in its own catalogue), looked up in the
    language active when the message is rendered."""
    return lazy(lambda: gettext(str(words)).strip(), str)()


# Both people of a held match are told the same words.
_MATCH_HELD = Template(
    subject=_("Your match is on hold"),
    body=_(
        "Your match for {category} is on hold while the council looks at it, because "
        "{what}. Please do not arrange new visits until the council has been in touch."
    ),
    sms=_(
        "Kith: your match for {category} is on hold while the council looks at it. Please "
        "wait for the council to contact you."
    ),
    why=_("you are part of this match"),
)


TEMPLATES: dict[str, Template] = {
    "listing_approved": Template(
        subject=_("Your {kind} is now on Kith"),
        body=_(
            "Your {kind} “{title}” has been checked by the council and is now on Kith. "
            "We will tell you when there is a match."
        ),
        sms=_("Kith: your {kind} “{title}” is now live. We will tell you when there is a match."),
        why=_("you put this {kind} on Kith"),
    ),
    "listing_rejected": Template(
        subject=_("Your {kind} needs a change before it can go on Kith"),
        body=_(
            "The council looked at your {kind} “{title}” and could not put it on Kith as it "
            "is. What they said:\n\n{reason}\n\nYou can change it and send it again."
        ),
        sms=_(
            "Kith: your {kind} “{title}” needs a change before it can go live. "
            "Please look at it on Kith or call the council."
        ),
        why=_("you put this {kind} on Kith"),
    ),
    "helper_offered": Template(
        subject=_("A helper has offered to help"),
        body=_(
            "A helper near you has offered to help with your request for {category}. Look "
            "at what they offer and say yes or no."
        ),
        sms=_(
            "Kith: a helper has offered to help with your request for {category}. Reply YES "
            "to accept or NO to say no thanks."
        ),
        why=_("you asked for help on Kith"),
    ),
    "citizen_asked": Template(
        subject=_("Someone has asked for your help"),
        body=_(
            "Someone near you has asked for your help with {category}. Look at what they "
            "need and say yes or no."
        ),
        sms=_(
            "Kith: someone near you has asked for your help with {category}. Reply YES to "
            "accept or NO to say no."
        ),
        why=_("you offered help on Kith"),
    ),
    "council_proposed": Template(
        subject=_("The council suggests a match"),
        body=_(
            "The council suggests a match for {category}. Both of you are asked first: "
            "nothing happens until you both say yes."
        ),
        sms=_(
            "Kith: the council suggests a match for {category}. Reply YES to accept or NO to "
            "say no thanks."
        ),
        why=_("you are part of this suggested match"),
    ),
    "proposal_accepted": Template(
        subject=_("Your match is agreed"),
        body=_(
            "Both of you have said yes to the match for {category}. You can now send each "
            "other messages on Kith to agree the details."
        ),
        sms=_(
            "Kith: your match for {category} is agreed. Sign in to Kith or call the council "
            "to agree the details."
        ),
        why=_("you are part of this match"),
    ),
    "proposal_declined": Template(
        subject=_("A suggested match will not go ahead"),
        body=_(
            "The match for {category} will not go ahead. You do not need to do anything: "
            "your listing stays open and Kith will keep looking."
        ),
        sms=_("Kith: the match for {category} will not go ahead. Kith will keep looking."),
        why=_("you are part of this suggested match"),
    ),
    "proposal_expired": Template(
        subject=_("A suggested match has expired"),
        body=_(
            "Nobody answered the suggested match for {category} in time, so it has expired. "
            "Your listing stays open and Kith will keep looking."
        ),
        sms=_("Kith: the suggested match for {category} has expired. Kith will keep looking."),
        why=_("you are part of this suggested match"),
    ),
    "match_cancelled": Template(
        subject=_theirs(MATCH_ENDED_SUBJECT),
        body=_theirs(MATCH_ENDED_BODY),
        sms=_("Kith: your match for {category} has ended. You do not need to do anything."),
        why=_("you are part of this match"),
    ),
    "match_completed": Template(
        subject=_("The help is done: tell us how it went"),
        body=_(
            "The help with {category} is marked as done. Thank you. Please tell us how it "
            "went: it takes a minute and helps the council."
        ),
        sms=_("Kith: the help with {category} is marked as done. Thank you."),
        why=_("you are part of this match"),
    ),
    "message_received": Template(
        subject=_("You have a new message on Kith"),
        body=_(
            "You have a new message about your match for {category}. Read it on Kith. We "
            "will not tell you about more messages in this conversation until you have read it."
        ),
        sms=_("Kith: you have a new message about your match for {category}. Read it on Kith."),
        why=_("you are part of this match"),
    ),
    "check_expiring": Template(
        subject=_("Your {check} check expires on {date}"),
        body=_(
            "Your {check} check recorded by the council expires on {date}. Please contact "
            "the council to renew it, so that your offers that need it can stay open."
        ),
        sms=_(
            "Kith: your {check} check expires on {date}. Please contact the council to renew it."
        ),
        why=_("you offer help that needs this check"),
    ),
    "check_expired": Template(
        subject=_("Your {check} check has expired"),
        body=_(
            "Your {check} check recorded by the council expired on {date}. Offers that need "
            "it are paused until a new check is recorded. Please contact the council to renew it."
        ),
        sms=_(
            "Kith: your {check} check expired on {date}. Please contact the council to renew it."
        ),
        why=_("you offer help that needs this check"),
    ),
    "offer_paused_check": Template(
        subject=_("Your offer has been paused"),
        body=_(
            "Your offer of {category} has been paused because a check it needs has expired. "
            "Please contact your council to renew your check; you can resume the offer once it "
            "is recorded."
        ),
        sms=_(
            "Kith: your offer of {category} is paused because a check it needs has expired. "
            "Please contact the council."
        ),
        why=_("you offer help that needs this check"),
    ),
    "offer_paused_check_revoked": Template(
        subject=_("Your offer has been paused"),
        body=_(
            "Your offer of {category} has been paused because the council has withdrawn a "
            "check it needs. Please contact your council if you want to talk about this."
        ),
        sms=_(
            "Kith: your offer of {category} is paused because the council withdrew a check it "
            "needs. Please contact the council."
        ),
        why=_("you offer help that needs this check"),
    ),
    "offer_paused_check_missing": Template(
        subject=_("Your offer has been paused"),
        body=_(
            "Your offer of {category} has been paused because it needs a check the council "
            "has not recorded for you yet. Please contact your council to arrange it; you can "
            "resume the offer once it is recorded."
        ),
        sms=_(
            "Kith: your offer of {category} is paused until the council records a check it "
            "needs. Please contact the council."
        ),
        why=_("you offer help that needs this check"),
    ),
    "offer_paused_check_required": Template(
        subject=_("Your offer has been paused"),
        body=_(
            "Your offer of {category} has been paused because the council now asks for "
            "{checks} for this kind of help, and has not recorded it for you yet. Nothing has "
            "lapsed. Please contact your council to arrange it; you can resume the offer once it "
            "is recorded."
        ),
        sms=_(
            "Kith: your offer of {category} is paused because the council now asks for "
            "{checks} for this kind of help. Please contact the council."
        ),
        why=_("you offer help that needs this check"),
    ),
    "match_held_helper": _MATCH_HELD,
    "match_held_citizen": _MATCH_HELD,
    "match_held_staff": Template(
        subject=_("A match for {category} is held for your review"),
        body=_(
            "A match for {category} is on hold because its helper no longer holds a check "
            "this help needs. Look at it, then let it go on or end it."
        ),
        sms=_("Kith: a match for {category} is held for your review."),
        why=_("you record helper checks for the council"),
    ),
    "check_expiring_staff": Template(
        subject=_("A helper's {check} check expires on {date}"),
        body=_(
            "A helper's {check} check expires on {date}. Record the renewed check before "
            "then, or their offers that need it will be paused."
        ),
        sms=_("Kith: a helper's {check} check expires on {date}."),
        why=_("you record helper checks for the council"),
    ),
    "person_suspended": Template(
        subject=_("Your Kith account has been suspended"),
        body=_(
            "The council has suspended your Kith account. Your listings and matches have "
            "been closed. If you want to talk about this, please contact the council."
        ),
        sms=_(
            "Kith: the council has suspended your account. Please contact the council if you "
            "want to talk about this."
        ),
        why=_("this is about your account"),
    ),
    "person_reinstated": Template(
        subject=_("Your Kith account is open again"),
        body=_(
            "The council has lifted the suspension of your Kith account. You can sign in "
            "and use Kith again."
        ),
        sms=_("Kith: your account is open again. You can sign in and use Kith."),
        why=_("this is about your account"),
    ),
    "report_upheld": Template(
        subject=_("We have looked at your report"),
        body=_(
            "Thank you for telling us. The council has looked at your report and has acted on it."
        ),
        sms=_("Kith: thank you for your report. The council has looked at it and acted on it."),
        why=_("you made a report"),
    ),
    "report_dismissed": Template(
        subject=_("We have looked at your report"),
        body=_(
            "Thank you for telling us. The council has looked at your report and did not "
            "need to take action this time. If you are still worried, please contact the "
            "council."
        ),
        sms=_("Kith: thank you for your report. The council has looked at it."),
        why=_("you made a report"),
    ),
    "urgent_alert": Template(
        subject=_("Someone near you needs help soon"),
        body=_(
            "Someone {band} has asked for help soon with: {category}.\n\nIf you can help, "
            "look at the need on Kith and offer your help, or reply YES to a text. If you cannot, "
            "there is nothing to do: other helpers nearby have been told too."
        ),
        sms=_(
            "Kith: someone {band} needs help soon with {category}. Reply YES if you can "
            "help, or ignore this."
        ),
        why=_("you asked for alerts about urgent needs"),
    ),
    "urgent_waiting": Template(
        subject=_("An urgent request is waiting for review"),
        body=_(
            "Someone has asked for help with {category} today or tomorrow. Their request is "
            "waiting for review: please look at it now, so that nearby helpers can be alerted."
        ),
        sms=_("Kith: an urgent request for help with {category} is waiting for review."),
        why=_("you review requests for your council"),
    ),
    "urgent_opened_at_once": Template(
        subject=_("An urgent request opened at once: please check it"),
        body=_(
            "Someone in good standing asked for help with {category} today or tomorrow. "
            "Under the council's setting their request opened at once and nearby helpers have "
            "been alerted. Please check it now, and take it down if it is not right."
        ),
        sms=_("Kith: an urgent request for help with {category} opened at once. Please check it."),
        why=_("you review requests for your council"),
    ),
    "idle_ask": Template(
        subject=_("Someone near you could use your help"),
        body=_(
            "Someone {band} has asked for help with: {category}. Nobody has asked you to "
            "help for a while, so we are telling you about it.\n\nIf you can help, look at the "
            "need on Kith and offer your help, or reply YES to a text. If you cannot, there is "
            "nothing to do."
        ),
        sms=_(
            "Kith: someone {band} needs help with {category}. Reply YES if you can help, "
            "or ignore this."
        ),
        why=_("you offer help with this on Kith"),
    ),
    "stand_down": Template(
        subject=_("Thank you: the need has been filled"),
        body=_(
            "Thank you. The need for help with {category} we told you about has been filled "
            "or closed, so there is nothing more to do."
        ),
        sms=_("Kith: thank you, the need for {category} has been filled. Nothing more to do."),
        why=_("you were told about this need"),
    ),
    "urgent_stand_down": Template(
        subject=_("Stand down: the urgent need has been filled"),
        body=_(
            "Thank you. The urgent need for {category} you were told about has been filled "
            "or closed, so there is nothing more to do."
        ),
        sms=_(
            "Kith: thank you, the urgent need for {category} has been filled. Nothing more to do."
        ),
        why=_("you were alerted about this need"),
    ),
    # --- Ongoing help (arrangements) ----------------------------------------------------------
    "visit_checkin_helper": Template(
        subject=_("Did your visit happen?"),
        body=_(
            "Your visit for {category} was planned for {when}. Did it happen? Tell us on "
            "Kith, with the time you spent and anything the council should know."
        ),
        sms=_(
            "Kith: did your {category} visit on {when} happen? Reply YES if it did or NO if it "
            "did not."
        ),
        why=_("you are helping someone through Kith"),
    ),
    "visit_checkin_citizen": Template(
        subject=_("Did your visit happen?"),
        body=_(
            "Your visit for {category} was planned for {when}. Did it happen, and are you "
            "all right? Please tell us on Kith. If it did not, the council will call you to check "
            "you are all right."
        ),
        sms=_(
            "Kith: did your {category} visit on {when} happen? Reply YES if it did or NO if it "
            "did not."
        ),
        why=_("you get help through Kith"),
    ),
    "visit_skipped": Template(
        subject=_("A visit will not happen"),
        body=_(
            "The visit for {category} on {when} will not happen this time. The visits after "
            "it are still planned."
        ),
        sms=_(
            "Kith: the {category} visit on {when} will not happen this time. The next ones "
            "are still planned."
        ),
        why=_("you have regular visits through Kith"),
    ),
    "change_asked": Template(
        subject=_("A change to your visits has been asked for"),
        body=_(
            "The other person in your {category} arrangement has asked to {change}. Please "
            "say whether that suits you. Nothing changes until you agree."
        ),
        sms=_(
            "Kith: a change to your {category} visits has been asked for. Please look at it "
            "on Kith."
        ),
        why=_("you have regular visits through Kith"),
    ),
    "change_confirmed": Template(
        subject=_("Your change to the visits was agreed"),
        body=_("The other person agreed to {change}. Your upcoming visits show the change."),
        sms=_("Kith: your change to the {category} visits was agreed."),
        why=_("you asked for a change to your visits on Kith"),
    ),
    "change_declined": Template(
        subject=_("Your change to the visits was not agreed"),
        body=_(
            "The other person could not agree to {change}. Your visits stay as they were. "
            "You can send a message to agree another time."
        ),
        sms=_(
            "Kith: your change to the {category} visits was not agreed. The visits stay as "
            "they were."
        ),
        why=_("you asked for a change to your visits on Kith"),
    ),
    "welfare_opened": Template(
        subject=_("A welfare check is waiting"),
        body=_(
            "Someone helped through Kith with {category} may need a call to check they are "
            "all right: {why_opened}."
        ),
        sms=_("Kith: a welfare check is waiting for the council. Please look at it today."),
        why=_("you handle welfare checks for the council"),
    ),
    "still_needed": Template(
        subject=_("Do you still need help?"),
        body=_(
            "You asked for help with {category}. Do you still need it? Please tell us, so "
            "that helpers' time goes where it is needed."
        ),
        sms=_(
            "Kith: do you still need help with {category}? Reply YES if you do or NO if you do not."
        ),
        why=_("you asked for help on Kith"),
    ),
    "still_needed_staff": Template(
        subject=_("A request for help needs a decision"),
        body=_(
            "A request for help with {category} needs someone from the council to look at "
            "it: {why_here}."
        ),
        sms=_("Kith: a request for help needs the council's decision. Please look at it on Kith."),
        why=_("you handle follow-ups for the council"),
    ),
    # A partner organisation's referrer: the stage of their referral, never the helper.
    "referral_matched": Template(
        subject=_("A helper has been found for your referral"),
        body=_(
            "A helper has been found for your referral number {reference}, for help with "
            "{category}. The council's Kith team and the person will arrange the rest."
        ),
        sms=_("Kith: a helper has been found for your referral number {reference}."),
        why=_("you referred this person to Kith"),
    ),
    "referral_running": Template(
        subject=_("Visits have started for your referral"),
        body=_(
            "Visits are now under way for your referral number {reference}, for help with "
            "{category}."
        ),
        sms=_("Kith: visits are under way for your referral number {reference}."),
        why=_("you referred this person to Kith"),
    ),
    "referral_ended": Template(
        subject=_("Your referral has ended"),
        body=_(
            "The help for your referral number {reference}, for help with {category}, has "
            "ended. If the person needs help again, you can refer them again."
        ),
        sms=_("Kith: the help for your referral number {reference} has ended."),
        why=_("you referred this person to Kith"),
    ),
    # A helper whose offers have been idle for weeks (matching.still_helping).
    "still_helping": Template(
        subject=_("Do you still want to help?"),
        body=_(
            "Thank you for offering {offers} on Kith. Nobody has been matched with you for "
            "a few weeks, which often just means there has been less need near you. Do you "
            "want to keep your offers open? If you would rather have a break, you can pause "
            "them and start them again whenever you like. If you do not answer, nothing "
            "changes."
        ),
        sms=_(
            "Kith: do you still want to help? Reply YES to keep your offers open or NO to "
            "pause them for now. Or answer here:"
        ),
        why=_("you offer help on Kith"),
    ),
    "broadcast": Template(
        subject="{subject}",
        body="{message}",
        sms="Kith: {message}",
        why=_("you offer help on Kith in this council"),
    ),
}

#: A text message the person's reply gets.
REPLY_ACCEPTED = _("Kith: thank you, you have said yes to the match for {category}.")
REPLY_DECLINED = _("Kith: thank you, you have said no to the match for {category}.")
REPLY_ALERT_YES = _(
    "Kith: thank you. You have offered to help with {category}. The person is asked to agree."
)
REPLY_ALERT_NO = _("Kith: thank you for letting us know. Other helpers have been told too.")
REPLY_STARTED = _("Kith: you will get text messages from Kith again. Reply STOP to stop them.")
REPLY_NOTHING_OPEN = _(
    "Kith: there is nothing waiting for a YES or NO from you. To talk to someone, please "
    "call the council."
)
REPLY_VISIT_YES = _("Kith: thank you for letting us know the visit happened.")
REPLY_VISIT_NO = _(
    "Kith: thank you for letting us know the visit did not happen. The council may call to "
    "check all is well."
)
REPLY_STILL_YES = _("Kith: thank you. Your request for {category} stays open.")
REPLY_STILL_NO = _("Kith: thank you. We have closed your request for {category}.")
REPLY_HELPING_YES = _("Kith: thank you for still helping. Your offers stay open.")
REPLY_HELPING_NO = _(
    "Kith: thank you for letting us know. Your offers are paused for now. You can start them "
    "again on Kith, or ask the council, whenever you like."
)
REPLY_REFUSED = _("Kith: that could not be done: {reason}")
REPLY_UNRECOGNISED = _(
    "Kith: sorry, we did not understand. Reply YES or NO to the last message, or STOP for "
    "no more texts. The council can see your message."
)
MOBILE_CODE_SMS = _("Your Kith code is {code}. It works for 15 minutes. Do not share it.")

WHY_AND_HOW = _(
    "You are getting this because {why}. To change how Kith contacts you, go to {settings}"
)
SMS_STOP = _("Change how Kith contacts you in your account, or reply STOP for no more texts.")

CLAIM_CODE_SMS = _(
    "Your Kith code to go online is {code}. It works for 30 minutes. Enter it with this "
    "mobile number at {link} Do not share it."
)
CLAIM_CODE_LETTER = _(
    "You asked to use Kith online, or the council asked for you.\n\n"
    "Go to {link} and enter:\n\n"
    "Your reference: {reference}\n"
    "Your code: {code}\n\n"
    "The code works once, for 14 days. Do not share it. If you did not ask for this, you "
    "can ignore this letter: nothing changes unless the code is used."
)

#: What `pipeline.render` adds to a text message, and to an alert's email.
SMS_WHY = _("You get this because {why}.")
STOP_ALERTS = _("Stop these alerts: {link}")

#: The subjects of messages not made from a template (kept on the record, and on letters).
REPLY_SUBJECT = _("Reply to your text")
MOBILE_CODE_SUBJECT = _("Your Kith code")
CLAIM_CODE_SUBJECT = _("Your code to go online with Kith")
