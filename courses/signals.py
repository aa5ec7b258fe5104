"""Signals the courses app sends for the apps above it (which courses may not import)."""

from django.dispatch import Signal

#: A course's grading method changed (``course``): stored results that depend on it are stale.
grading_method_changed = Signal()
