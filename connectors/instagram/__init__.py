"""Instagram professional account (Graph API with Facebook Login)."""
