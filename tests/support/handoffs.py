"""Watch what the site hands to the broker, at the one place it does (personal_site.durable.publish).

``record_handoffs(monkeypatch)`` records every hand-over instead of publishing it: a mapping from task
name to the ids handed over, in order (a batch task's list of ids adds each of them; ``batches`` keeps
the lists). Without it, a test without a worker would publish ids that exist only in the test database
to the development broker.
"""
from collections import defaultdict

from personal_site import durable


class Handoffs(defaultdict):
    def __init__(self):
        super().__init__(list)
        self.etas = []
        self.batches = defaultdict(list)

    def publish(self, task_name, args, eta=None):
        if len(args) == 1 and isinstance(args[0], list):
            self[task_name].extend(args[0])
            self.batches[task_name].append(list(args[0]))
        else:
            self[task_name].append(args[0] if len(args) == 1 else tuple(args))
        self.etas.append(eta)


def record_handoffs(monkeypatch) -> Handoffs:
    handed = Handoffs()
    monkeypatch.setattr(durable, "publish", handed.publish)
    return handed


def broker_refuses(monkeypatch) -> None:
    def publish(task_name, args, eta=None):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(durable, "publish", publish)
