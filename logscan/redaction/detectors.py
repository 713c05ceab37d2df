"""Every detector, in the order redaction applies them, and the quick filter derived from their anchors."""

from __future__ import annotations

from typing import Final

import regex

from logscan import regexes
from logscan.redaction.named import NAMED
from logscan.redaction.providers import PROVIDERS

DETECTORS: Final = PROVIDERS + NAMED
"""Provider tokens first, then name-based ones; a later one never matches inside an earlier one's placeholder."""

TRIGGER: Final = regexes.compile("|".join(f"(?:{d.anchor_source})" for d in DETECTORS), regex.V0)
"""Text matching no detector's anchor cannot hold a secret any detector finds (redaction's fast path). Built
from the anchors, so a new detector needs nothing added here."""
