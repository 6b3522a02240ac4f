"""X (Twitter) API v2, through tweepy."""
