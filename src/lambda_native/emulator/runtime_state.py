"""The Runtime API's state machine: every state, every call, and what each call does in each state.

Pure logic, in the manner of h11's `_state.py`: no sockets, no processes, no clock. The environment
reports what the platform does (a runtime spawned or exited, an invoke queued or finished) and asks
what to do with each Runtime API call; the answers, refusals included, are RAPID's.

Two kinds of state. The runtime's, one per process: `Stopped` (no process; the next invoke spawns one),
`Initializing` (spawned, has not asked for an event yet), `Ready` (has asked `/next`: initialised).
Each invocation's, keyed by its request id: `Queued` (waiting for a `/next`), `Invoking` (its event
handed out), `Replying` (its `/response` or `/error` is being read), `Done`. Invocations live in a
table keyed by request id, so several in flight at once (Managed Instances' concurrency) is more rows
of the same table, not another design.
"""

from __future__ import annotations

import collections

from lambda_native.emulator import platform_errors

# The runtime's states.
STOPPED = "Stopped"
INITIALIZING = "Initializing"
READY = "Ready"

# An invocation's states (None in the tables: no invocation, or a request id the API does not know).
QUEUED = "Queued"
INVOKING = "Invoking"
REPLYING = "Replying"
DONE = "Done"

# The Runtime API's calls.
NEXT = "next"
RESPONSE = "response"
ERROR = "error"
INIT_ERROR = "init_error"

# What to do with a `/next`.
HAND_OUT = "hand out"  # reply with the queued invocation's event
REDELIVER = "redeliver"  # reply with the event being handled, again (RAPID: a second /next is no error)
PARK = "park"  # hold the long-poll open until an invocation is queued
REFUSE = "refuse"  # no runtime is running: RAPID's 500, the runtime must exit

FINISHED_REMEMBERED = 256
"""How many finished request ids a late reply is still recognised by (403 instead of 400)."""


class Refusal:
    """A call the state does not allow: the HTTP status and error document RAPID answers it with."""

    __slots__ = ("error_type", "message", "status")

    def __init__(self, status: int, error_type: str, message: str) -> None:
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> bytes:
        """The error document sent to the runtime."""
        return platform_errors.api_error(self.error_type, self.message)

    def __repr__(self) -> str:
        return f"Refusal({self.status}, {self.error_type!r})"


def _transition_refused(source: str, target: str) -> Refusal:
    """RAPID's 403, in its own words (its state names, not the ones here)."""
    return Refusal(
        403,
        "InvalidStateTransition",
        f"State transition from {source} to {target} failed for runtime. "
        "Error: State transition is not allowed",
    )


UNKNOWN_REQUEST_ID = Refusal(400, "InvalidRequestID", "Invalid request ID")
ALREADY_REPLIED = _transition_refused("ResponseSent", "ResponseSent")
NOT_INITIALIZING = _transition_refused("Ready", "InitError")

# `/next`: (the runtime's state, the state of the invocation it concerns) ->
#     (what to do, the runtime's new state, the invocation's new state).
# The invocation it concerns is the oldest queued one, else the one whose event is out and unanswered.
# With one invocation at a time (Lambda's default), a `/next` during an invoke can only be a runtime
# asking again, so it gets the event again; with several (`concurrent`), it is another worker's: only
# queued invocations concern it, and without one it is parked.
NEXT_TRANSITIONS = {
    (STOPPED, None): (REFUSE, STOPPED, None),
    (STOPPED, QUEUED): (REFUSE, STOPPED, QUEUED),
    (STOPPED, INVOKING): (REFUSE, STOPPED, INVOKING),
    (INITIALIZING, None): (PARK, READY, None),
    (INITIALIZING, QUEUED): (HAND_OUT, READY, INVOKING),
    (READY, None): (PARK, READY, None),
    (READY, QUEUED): (HAND_OUT, READY, INVOKING),
    (READY, INVOKING): (REDELIVER, READY, INVOKING),
}

# `/response` and `/error`: the state of the invocation named in the path -> its new state, or the
# refusal. Only the invocation's state counts, not the runtime's.
REPLY_TRANSITIONS = {
    None: UNKNOWN_REQUEST_ID,
    QUEUED: UNKNOWN_REQUEST_ID,
    INVOKING: REPLYING,
    REPLYING: ALREADY_REPLIED,
    DONE: ALREADY_REPLIED,
}

# `/init/error`: the runtime's state -> its new state, or the refusal. An accepted init error leaves
# the runtime initialising: it must exit now, and its first invoke gets the error.
INIT_ERROR_TRANSITIONS = {
    STOPPED: NOT_INITIALIZING,
    INITIALIZING: INITIALIZING,
    READY: NOT_INITIALIZING,
}

# What the platform does: the states each event may start from, and the state it leads to.
SPAWN = "spawn"  # the runtime: STOPPED -> INITIALIZING
EXIT = "exit"  # the runtime: INITIALIZING or READY -> STOPPED
FINISH = "finish"  # an invocation: QUEUED, INVOKING or REPLYING -> DONE
PLATFORM_TRANSITIONS = {
    SPAWN: ({STOPPED}, INITIALIZING),
    EXIT: ({INITIALIZING, READY}, STOPPED),
    FINISH: ({QUEUED, INVOKING, REPLYING}, DONE),
}


class StateError(RuntimeError):
    """The platform reported an event its state does not allow: a bug in the emulator, not the runtime."""


class RuntimeAPIState:
    """The state of one environment's Runtime API: its runtime's and that of each invocation.

    Call the platform's events (`spawned`, `exited`, `queued`, `finish`, `forget`) as they happen;
    ask `next()` and `reply()` / `init_error()` what to do with the runtime's calls.
    """

    __slots__ = ("_finished", "concurrent", "invocations", "runtime")

    def __init__(self, concurrent: bool = False) -> None:
        self.concurrent = concurrent
        """Several invocations may be in flight (Managed Instances): a `/next` never re-delivers."""
        self.runtime = STOPPED
        self.invocations: dict[str, str] = {}
        """Request id -> state, for every invocation the environment holds (in arrival order)."""
        self._finished: collections.deque[str] = collections.deque(maxlen=FINISHED_REMEMBERED)

    # ---- the platform's events -------------------------------------------------------------------

    def spawned(self) -> None:
        """A runtime process was started."""
        self.runtime = _platform(SPAWN, self.runtime)

    def exited(self) -> None:
        """The runtime process is gone (exited or killed)."""
        self.runtime = _platform(EXIT, self.runtime)

    def queued(self, request_id: str) -> None:
        """An invoke arrived for this environment."""
        if request_id in self.invocations:
            raise StateError(f"invocation {request_id} is already queued")
        self.invocations[request_id] = QUEUED

    def finish(self, request_id: str) -> None:
        """The invocation ended (reply read, timeout, crash...); finishing it again changes nothing."""
        state = self.invocations[request_id]
        if state != DONE:
            self.invocations[request_id] = _platform(FINISH, state)

    def forget(self, request_id: str) -> None:
        """The invoke returned to its caller: drop it, remembering its id for late replies."""
        if self.invocations.get(request_id) != DONE:
            raise StateError(f"invocation {request_id} is forgotten before it is done")
        del self.invocations[request_id]
        self._finished.append(request_id)

    # ---- the runtime's calls ---------------------------------------------------------------------

    def next(self) -> tuple[str, str | None]:
        """A `GET /next` arrived: (what to do, the request id of the invocation concerned, if any)."""
        request_id = self._concerned_by_next()
        state = self.invocations.get(request_id) if request_id is not None else None
        action, self.runtime, new_state = NEXT_TRANSITIONS[self.runtime, state]
        if request_id is not None:
            self.invocations[request_id] = new_state
        return action, request_id

    def reply(self, request_id: str) -> Refusal | None:
        """A `/response` or `/error` for `request_id` began: None if it is accepted, else the refusal."""
        outcome = REPLY_TRANSITIONS[self.state_of(request_id)]
        if isinstance(outcome, Refusal):
            return outcome
        self.invocations[request_id] = outcome
        return None

    def init_error(self) -> Refusal | None:
        """An `/init/error` began: None if it is accepted, else the refusal."""
        outcome = INIT_ERROR_TRANSITIONS[self.runtime]
        if isinstance(outcome, Refusal):
            return outcome
        self.runtime = outcome
        return None

    # ---- questions -------------------------------------------------------------------------------

    def state_of(self, request_id: str | None) -> str | None:
        """The invocation's state; `Done` for one finished recently, None for an unknown id."""
        state = self.invocations.get(request_id)  # type: ignore[arg-type]
        if state is None and request_id in self._finished:
            return DONE
        return state

    @property
    def busy(self) -> bool:
        """True while the runtime initialises or handles an invocation (its memory is being watched)."""
        return self.runtime == INITIALIZING or any(
            s in (INVOKING, REPLYING) for s in self.invocations.values()
        )

    def _concerned_by_next(self) -> str | None:
        handled = None
        for request_id, state in self.invocations.items():
            if state == QUEUED:
                return request_id
            if handled is None and state == INVOKING and not self.concurrent:
                handled = request_id
        return handled


def _platform(event: str, state: str) -> str:
    sources, target = PLATFORM_TRANSITIONS[event]
    if state not in sources:
        raise StateError(f"{event} is not allowed in state {state}")
    return target
