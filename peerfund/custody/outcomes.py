"""Who wants to hear when an instruction gets its final answer. Domain apps register
a handler for the prefix of the business reference they give their instructions
("withdrawal:", "deposit_order:"); custody knows nothing else about them. Handlers run
inside the transaction that records the answer, so both commit together."""
from collections.abc import Callable

from peerfund.custody.models import Instruction

Handler = Callable[[Instruction], None]
_handlers: dict[str, Handler] = {}


def register_outcome_handler(prefix: str, handler: Handler) -> None:
    _handlers[prefix] = handler


def outcome_dispatch(instruction: Instruction) -> None:
    for prefix, handler in _handlers.items():
        if instruction.ref.startswith(prefix):
            handler(instruction)
