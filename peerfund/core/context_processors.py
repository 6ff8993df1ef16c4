"""Template context for every page: the emergency switches now paused, for the
banner (`web/_emergency_banner.html`). Read from a short cache (core/switches.py)."""
from peerfund.core.models import OperationSwitch
from peerfund.core.switches import paused_error, paused_operations


def emergency_switches(request):
    paused = paused_operations()
    labels = dict(OperationSwitch.Operation.choices)
    return {
        "paused_operations": [
            {"operation": op, "label": labels[op], "message": paused_error(op, state["reason"]).message}
            for op, state in paused.items()
        ]
    }
