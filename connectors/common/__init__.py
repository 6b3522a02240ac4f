"""Pieces shared by several platforms: feeds, the answer-writer protocol, write helpers."""
