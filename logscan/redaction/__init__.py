"""Secret detection and redaction of text: the detectors as data, the decoders of escaped forms, and the redaction
that every stage cutting log text uses before it cuts (so a cut never leaves part of a secret). Core: any stage
may import it."""
