"""The `hello` workload: the smallest useful function, so the runtime's own cost is all that shows."""


def handler(event, context):
    """Greet whoever the event names."""
    return {"message": f"hello, {event.get('name', 'world')}"}
