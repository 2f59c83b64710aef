"""Faults: the one definition of lateness, the life cycle, and the code that moves it."""
