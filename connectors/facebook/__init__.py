"""The Facebook Page, through the Graph API."""
