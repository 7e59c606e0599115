"""Fieldwork: invitations with one-time tokens, answer validation, exactly-once submission,
save-and-resume drafts, response counts, and the delivery channels (SMS, e-mail, QR)."""
