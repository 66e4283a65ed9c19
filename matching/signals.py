"""Signals matching sends; apps above it (follow-up) subscribe, so matching imports none."""

from django.dispatch import Signal

# Sent after a run's bundles are committed, with `run` (a MatchingRun, status done).
run_finished = Signal()
