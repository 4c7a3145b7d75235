"""One flavor's scheduler: who holds which units, who waits, and the rules for admitting,
lending, borrowing and taking back. Pure Python with no Django, so the simulator and the
portal's admissions run exactly the same code."""

import bisect
import heapq
from collections import Counter
from dataclasses import dataclass, field

INFINITE = float("inf")
STATIC, BORROW = "static", "borrow"
INFERENCE, TRAINING = "inference", "training"
RECLAIM, OWN, EXPIRY = "reclaim", "own", "expiry"


@dataclass(eq=False)
class Work:
    """A request for units: an endpoint (inference) or a preemptible job (training)."""

    id: str
    tenant: str
    units: int
    kind: str
    priority: int
    submit_hour: int
    duration_hours: int
    order: int  # position in the trace (or creation order): the last tie-breaker
    remaining: int = 0
    state: str = "pending"  # pending → queued → running → done
    admitted_at: int = -1
    first_start: int = -1
    finish_hour: int = -1
    hours_run: int = 0
    preemptions: int = 0

    def __post_init__(self):
        self.remaining = self.duration_hours
        # Rank: priority descending, then submit hour, then position.
        self.rank = (-self.priority, self.submit_hour, self.order)

    def victim_key(self):
        """Victims go lowest priority first, then newest admission, then latest rank."""
        return (self.priority, -self.admitted_at, tuple(-x for x in self.rank))


@dataclass
class Limits:
    guarantee: int = 0
    reserved: int = 0  # guarantee − lend_limit: never lent
    total: float = 0  # guarantee + borrow_limit (∞ when unset); the guarantee under static
    active: bool = False


@dataclass
class Tenant:
    name: str
    limits: Limits = field(default_factory=Limits)
    used: int = 0
    used_inference: int = 0
    running: list = field(default_factory=list)
    queue: list = field(default_factory=list)  # kept in rank order
    queue_keys: list = field(default_factory=list)
    # Units asked for by the queued work, size → how many, and the smallest: known without
    # reading a queue that may hold hundreds.
    queued_units: Counter = field(default_factory=Counter)
    smallest_queued: float = INFINITE
    # The queued training alone, by units, each in rank order: what borrowing looks for,
    # found without reading past endpoints and larger jobs.
    training: dict = field(default_factory=dict)
    smallest_training: float = INFINITE

    @property
    def borrowed(self):
        return max(0, self.used - self.limits.guarantee)

    def enqueue(self, work):
        position = bisect.bisect(self.queue_keys, work.rank)
        self.queue_keys.insert(position, work.rank)
        self.queue.insert(position, work)
        self.queued_units[work.units] += 1
        self.smallest_queued = min(self.smallest_queued, work.units)
        if work.kind == TRAINING:
            self.training.setdefault(work.units, Ranked()).add(work)
            self.smallest_training = min(self.smallest_training, work.units)

    def dequeue(self, work):
        position = bisect.bisect_left(self.queue_keys, work.rank)
        del self.queue_keys[position]
        del self.queue[position]
        self.queued_units[work.units] -= 1
        if work.units == self.smallest_queued and not self.queued_units[work.units]:
            self.smallest_queued = min(
                (units for units, n in self.queued_units.items() if n), default=INFINITE
            )
        if work.kind == TRAINING:
            self.training[work.units].remove(work)
            if work.units == self.smallest_training and not self.training[work.units].works:
                self.smallest_training = min(
                    (units for units, ranked in self.training.items() if ranked.works),
                    default=INFINITE,
                )

    def first_training(self, room):
        """The first queued training in rank order that asks for at most ``room`` units."""
        first = None
        for units, ranked in self.training.items():
            if units <= room and ranked.works and (first is None or ranked.keys[0] < first.rank):
                first = ranked.works[0]
        return first


class Ranked:
    """Work in rank order, the ranks alongside for bisecting."""

    def __init__(self):
        self.keys, self.works = [], []

    def add(self, work):
        position = bisect.bisect(self.keys, work.rank)
        self.keys.insert(position, work.rank)
        self.works.insert(position, work)

    def remove(self, work):
        position = bisect.bisect_left(self.keys, work.rank)
        del self.keys[position]
        del self.works[position]


@dataclass
class Event:
    hour: int
    action: str  # "admit" or "preempt"
    work: object
    reason: str = ""  # for preemptions: reclaim, own or expiry; for admissions: guarantee or borrow


class FlavorScheduler:
    """Tenants and work on one flavor. Call `set_grant`, `submit`, `complete` as things
    happen, then `schedule(hour)`; it returns the admissions and preemptions it made."""

    def __init__(self, flavor, capacity, policy=BORROW):
        if policy not in (STATIC, BORROW):
            raise ValueError(f"unknown policy {policy!r}")
        self.flavor = flavor
        self.capacity = capacity
        self.policy = policy
        self.tenants = {}
        self.used = 0
        self.held = 0  # Σ max(u_i, r_i): what lenders' reserves and usage take together
        self.events = []
        # Tenants whose state changed since their queue was last scanned without success: the
        # only ones phase G needs to look at again.
        self.changed = set()
        # Tenants with training in their queue: the only ones phase B looks at.
        self.training_queued = set()

    # --- state changes from outside -------------------------------------------------------

    def tenant(self, name):
        if name not in self.tenants:
            self.tenants[name] = Tenant(name)
        return self.tenants[name]

    def _held_by(self, tenant):
        return max(tenant.used, tenant.limits.reserved)

    def set_grant(self, name, guarantee=0, lend_limit=None, borrow_limit=None, active=True, hour=0):
        """The tenant's active grant (or none), then its limits enforced on running work."""
        tenant = self.tenant(name)
        self.held -= self._held_by(tenant)
        if not active:
            tenant.limits = Limits()
        else:
            lend = guarantee if lend_limit is None else lend_limit
            if self.policy == STATIC:
                total = guarantee
            else:
                total = INFINITE if borrow_limit is None else guarantee + borrow_limit
            tenant.limits = Limits(guarantee, guarantee - lend, total, True)
        self.held += self._held_by(tenant)
        self.changed.add(name)
        self.enforce_limits(tenant, hour)

    def submit(self, work):
        work.state = "queued"
        self._enqueue(self.tenant(work.tenant), work)
        self.changed.add(work.tenant)

    def restore_running(self, work, admitted_at):
        """Work already holding units (loaded from storage): no event, no checks."""
        tenant = self.tenant(work.tenant)
        work.state = "running"
        work.admitted_at = admitted_at
        tenant.running.append(work)
        self.held -= self._held_by(tenant)
        tenant.used += work.units
        self.held += self._held_by(tenant)
        if work.kind == INFERENCE:
            tenant.used_inference += work.units
        self.used += work.units

    def complete(self, work, hour):
        tenant = self.tenants[work.tenant]
        self._release(tenant, work)
        work.state = "done"
        work.finish_hour = hour

    def withdraw(self, work):
        """A queued request cancelled, or running work stopped by its owner."""
        tenant = self.tenants[work.tenant]
        if work.state == "queued":
            self._dequeue(tenant, work)
        elif work.state == "running":
            self._release(tenant, work)
        work.state = "done"

    # --- the rules ------------------------------------------------------------------------

    @property
    def free(self):
        return self.capacity - self.used

    def enforce_limits(self, tenant, hour):
        """Expiry: inference beyond the guarantee first, then any work beyond the total."""
        limits = tenant.limits
        if tenant.used_inference > limits.guarantee:
            for work in sorted(
                (w for w in tenant.running if w.kind == INFERENCE), key=Work.victim_key
            ):
                if tenant.used_inference <= limits.guarantee:
                    break
                self._preempt(tenant, work, hour, EXPIRY)
        if tenant.used > limits.total:
            for work in sorted(
                (w for w in tenant.running if w.kind == TRAINING), key=Work.victim_key
            ):
                if tenant.used <= limits.total:
                    break
                self._preempt(tenant, work, hour, EXPIRY)

    def schedule(self, hour):
        """Phase G (guarantees), then phase B (borrowing) under the borrow policy."""
        start = len(self.events)
        self.phase_guarantees(hour)
        if self.policy == BORROW:
            self.phase_borrowing(hour)
        return self.events[start:]

    def phase_guarantees(self, hour):
        """Each changed tenant's queue in rank order, with backfill, until nothing changes: a
        reclaim's victims change their tenants, whose queues are then scanned again."""
        while self.changed:
            names, self.changed = sorted(self.changed), set()
            for name in names:
                tenant = self.tenants[name]
                if tenant.limits.active:
                    self._scan_in_guarantee(tenant, hour)

    def _scan_in_guarantee(self, tenant, hour):
        """``try_in_guarantee`` on each queued work in rank order, skipping those bound to
        fail as an earlier one failed (``Refusals``), so a long queue of large jobs behind a
        full guarantee is read once an hour, not tried job by job. Only a refusal that changed
        nothing (no event) teaches anything, and only until the next event."""
        refused = Refusals()
        events = len(self.events)
        for work in list(tenant.queue):
            if len(self.events) != events:
                refused, events = Refusals(), len(self.events)
            if work.state != "queued" or refused.covers(tenant, work):
                if refused.covers_all(tenant):
                    return
                continue
            within = tenant.used + work.units <= tenant.limits.guarantee
            if not self.try_in_guarantee(tenant, work, hour) and len(self.events) == events:
                refused.note(work.units, within)

    def try_in_guarantee(self, tenant, work, hour):
        k, g = work.units, tenant.limits.guarantee
        if tenant.used + k <= g:
            return self._admit_within(tenant, work, hour)
        need = tenant.used + k - g
        lower = [w for w in tenant.running if w.kind == TRAINING and w.priority < work.priority]
        if sum(w.units for w in lower) < need:
            return False
        if self.policy == BORROW and self.can_borrow(tenant, work):
            self._admit(tenant, work, hour, "borrow")
            return True
        for victim in minimal_set(sorted(lower, key=Work.victim_key), need):
            self._preempt(tenant, victim, hour, OWN)
        return self._admit_within(tenant, work, hour)

    def _admit_within(self, tenant, work, hour):
        if self.free < work.units and not self.reclaim(tenant, work.units - self.free, hour):
            return False
        self._admit(tenant, work, hour, "guarantee")
        return True

    def can_borrow(self, tenant, work):
        k = work.units
        if k > self.free or tenant.used + k > tenant.limits.total:
            return False
        if work.kind == INFERENCE and tenant.used_inference + k > tenant.limits.guarantee:
            return False
        return k <= self.reserve_room(tenant)

    def reserve_room(self, tenant):
        """The most units the tenant may add without eating into lenders' reserves:
        Σ max(u_i, r_i) ≤ C after the admission (Kueue's lendingLimit accounting)."""
        own = self._held_by(tenant)
        return self.capacity - (self.held - own) - tenant.used

    def reclaim(self, claimant, need, hour):
        """Free `need` units from other tenants' borrowed training: the fewest, cheapest."""
        candidates = sorted(
            (
                w
                for t in self.tenants.values()
                if t is not claimant and t.used > t.limits.guarantee
                for w in t.running
                if w.kind == TRAINING
            ),
            key=Work.victim_key,
        )
        chosen, freed, taken = [], 0, {}
        for work in candidates:
            owner = self.tenants[work.tenant]
            if owner.used - taken.get(owner.name, 0) <= owner.limits.guarantee:
                continue  # stopped borrowing after the victims already chosen
            chosen.append(work)
            freed += work.units
            taken[owner.name] = taken.get(owner.name, 0) + work.units
            if freed >= need:
                break
        if freed < need:
            return False
        for work in reversed(list(chosen)):  # the minimal-set pass
            if freed - work.units >= need:
                chosen.remove(work)
                freed -= work.units
        for work in chosen:
            self._preempt(self.tenants[work.tenant], work, hour, RECLAIM)
        return True

    def phase_borrowing(self, hour):
        """Queued training of tenants with an active grant, from idle units; the tenant
        borrowing least goes first, one admission at a time. Never preempts. (Nobody's
        borrowing changes here but the admitted tenant's, so a heap keeps the order.)"""
        # Only tenants with queued training whose smallest job fits their room now: a
        # tenant's room only shrinks in this phase until it is admitted (then it is pushed
        # back and looked at again).
        heap = []
        for name in self.training_queued:
            t = self.tenants[name]
            if t.limits.active and t.smallest_training <= self._borrow_room(t):
                heap.append((t.borrowed, name))
        heapq.heapify(heap)
        while heap and self.free > 0:
            _borrowed, name = heapq.heappop(heap)
            tenant = self.tenants[name]
            admitted = tenant.first_training(self._borrow_room(tenant))
            if admitted is not None:
                self._admit(tenant, admitted, hour, "borrow")
                heapq.heappush(heap, (tenant.borrowed, name))

    def _borrow_room(self, tenant):
        """Everything that decides a training admission, folded into one bound on its units."""
        return min(self.free, tenant.limits.total - tenant.used, self.reserve_room(tenant))

    # --- bookkeeping ------------------------------------------------------------------------

    def _enqueue(self, tenant, work):
        tenant.enqueue(work)
        if work.kind == TRAINING:
            self.training_queued.add(tenant.name)

    def _dequeue(self, tenant, work):
        tenant.dequeue(work)
        if work.kind == TRAINING and tenant.smallest_training == INFINITE:
            self.training_queued.discard(tenant.name)

    def _admit(self, tenant, work, hour, reason):
        self._dequeue(tenant, work)
        tenant.running.append(work)
        self.held -= self._held_by(tenant)
        tenant.used += work.units
        self.held += self._held_by(tenant)
        self.changed.add(tenant.name)
        if work.kind == INFERENCE:
            tenant.used_inference += work.units
        self.used += work.units
        work.state = "running"
        work.admitted_at = hour
        if work.first_start < 0:
            work.first_start = hour
        self.events.append(Event(hour, "admit", work, reason))

    def _release(self, tenant, work):
        tenant.running.remove(work)
        self.held -= self._held_by(tenant)
        tenant.used -= work.units
        self.held += self._held_by(tenant)
        self.changed.add(tenant.name)
        if work.kind == INFERENCE:
            tenant.used_inference -= work.units
        self.used -= work.units

    def _preempt(self, tenant, work, hour, reason):
        self._release(tenant, work)
        work.preemptions += 1
        work.state = "queued"
        self._enqueue(tenant, work)
        self.changed.add(tenant.name)
        self.events.append(Event(hour, "preempt", work, reason))

    # --- what the metrics ask -----------------------------------------------------------------

    def waiting_in_guarantee(self):
        """Tenants with an eligible queued request that fits their guarantee, and whether
        others hold borrowed units at the same time."""
        lent_out = sum(t.borrowed for t in self.tenants.values())
        result = []
        for tenant in self.tenants.values():
            if not tenant.limits.active or not tenant.queue:
                continue
            if tenant.smallest_queued <= tenant.limits.guarantee - tenant.used:
                result.append((tenant.name, lent_out - tenant.borrowed > 0))
        return result


class Refusals:
    """What a queue scan has learnt from refusals that changed nothing, for the requests after
    them in rank order (so of no higher priority). ``try_in_guarantee`` refuses without an
    event in two ways only:
    - over the guarantee, with too little lower-priority training of its own to preempt: a
      request at least as large needs more, and has no more to preempt;
    - within the guarantee, with no room free or to reclaim: a request at least as large and
      still within the guarantee needs more room (one beyond it takes the other path)."""

    def __init__(self):
        self.over = INFINITE  # the smallest request refused over the guarantee
        self.within = INFINITE  # the smallest refused within it

    def note(self, units, within):
        if within:
            self.within = min(self.within, units)
        else:
            self.over = min(self.over, units)

    def covers(self, tenant, work):
        k = work.units
        return k >= self.over or (k >= self.within and tenant.used + k <= tenant.limits.guarantee)

    def covers_all(self, tenant):
        return tenant.smallest_queued >= self.over


def minimal_set(ordered, need):
    """The first victims in order that free `need`, then those not needed put back."""
    chosen, freed = [], 0
    for work in ordered:
        chosen.append(work)
        freed += work.units
        if freed >= need:
            break
    for work in reversed(list(chosen)):
        if freed - work.units >= need:
            chosen.remove(work)
            freed -= work.units
    return chosen
