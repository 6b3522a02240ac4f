"""The platform contract suite: every platform runs it from its declared spec."""
