"""Use cases: functions ``(command, uow)``, one module per aggregate."""
import uuid


def new_id() -> str:
    return str(uuid.uuid4())
