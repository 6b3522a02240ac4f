"""Pinterest: API v5 or the public RSS feed (counts only)."""
