"""The council staff console at /staff/: moderation, helper checks, safeguarding, people and
the audit log. Pages for staff of one council, each page limited to what their role allows."""
