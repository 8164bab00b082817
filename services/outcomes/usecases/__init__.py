"""The outcomes use cases: functions (command, uow), one module per aggregate."""
