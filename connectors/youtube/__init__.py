"""YouTube: a channel's videos and their comment threads (Data API v3)."""
