"""Intake's use cases, one module per aggregate: functions (command, uow)."""
