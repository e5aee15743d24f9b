"""Likely duplicate contacts and merging them (docs/duplicates.md).

Other apps whose rows point at a contact (deals, tickets, purchases, ...) register a merge
hook so a merge moves their rows to the surviving contact:

    from contacts.dedupe import move_contact_references, register_merge_hook

    register_merge_hook(move_contact_references("sales.Deal", "contact"))

Call it from the app's AppConfig.ready(). Importing this package loads no models.
"""

from .hooks import MergeContext, move_contact_references, register_merge_hook

__all__ = ["MergeContext", "move_contact_references", "register_merge_hook"]
