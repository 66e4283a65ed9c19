"""Follow-up's answers to signals of the apps below it."""

from __future__ import annotations

from typing import Any

from matching.signals import run_finished


def on_run_finished(sender: Any, *, run: Any, **kwargs: Any) -> None:
    from followup.alerts import alert_after_run

    alert_after_run(run=run)


def connect() -> None:
    from followup.alerts import open_alert_flag
    from plans.selectors.access import prescription_flag_register

    run_finished.connect(on_run_finished, dispatch_uid="followup-plan-alert")
    prescription_flag_register("has_open_alert", open_alert_flag)
