"""What support rows do when contacts merge or are purged (contacts' hook registries).

Registered from SupportConfig.ready(); each hook is one set-based statement.
"""

from __future__ import annotations

from contacts.dedupe import move_contact_references, register_merge_hook
from contacts.purge import detach_references, register_purge_hook


def register() -> None:
    # The other contact's inquiries and form submissions are the survivor's now (issue 3:
    # a merge moves timeline, deals, tickets and purchases).
    register_merge_hook(move_contact_references("support.Ticket", "contact"))
    register_merge_hook(move_contact_references("support.FormSubmission", "contact"))
    # Inquiries are the support history (and its analytics): they stay, without the purged
    # contact or company; so do the raw form submissions.
    register_purge_hook(detach_references("support.Ticket", "contact"))
    register_purge_hook(detach_references("support.Ticket", "company"))
    register_purge_hook(detach_references("support.FormSubmission", "contact"))
