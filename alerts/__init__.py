"""Alerts: deliver the outbox (SMTP, .eml files, Apprise) and keep each watch's Atom feed."""
