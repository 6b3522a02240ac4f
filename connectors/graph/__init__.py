"""The Graph API adapter and its errors, shared by the Graph API platforms."""
