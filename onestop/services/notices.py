"""Notices to a company's owners about their quota (approvals, waitlist moves, cuts,
extensions): in their inbox and by e-mail (see ``onestop.services.notifications``)."""

from onestop.services.notifications import Kind, notify_company

__all__ = ["Kind", "notify_company"]
