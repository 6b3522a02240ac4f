"""Staff notifications: review events -> messages by e-mail and webhook; the daily digest."""
