"""Answering residents from the inbox: the outbox's states, the staff workflow
(`service`), the reply target on the platform (`targets`) and the sending worker
(`worker`)."""
