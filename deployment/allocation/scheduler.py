"""One flavor's scheduler: who holds which units, who waits, and the rules for admitting,
lending, borrowing and taking back. Pure Python with no Django, so the simulator and the
portal's admissions run exactly the same code."""

import bisect
import heapq
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

    @property
    def borrowed(self):
        return max(0, self.used - self.limits.guarantee)

    def enqueue(self, work):
        position = bisect.bisect(self.queue_keys, work.rank)
        self.queue_keys.insert(position, work.rank)
        self.queue.insert(position, work)

    def dequeue(self, work):
        position = bisect.bisect_left(self.queue_keys, work.rank)
        del self.queue_keys[position]
        del self.queue[position]


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
        self.tenant(work.tenant).enqueue(work)
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
            tenant.dequeue(work)
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
                if not tenant.limits.active:
                    continue
                for work in list(tenant.queue):
                    if work.state == "queued":
                        self.try_in_guarantee(tenant, work, hour)

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
        heap = [
            (t.borrowed, name)
            for name, t in self.tenants.items()
            if t.limits.active and t.queue and t.used < t.limits.total
        ]
        heapq.heapify(heap)
        while heap and self.free > 0:
            _borrowed, name = heapq.heappop(heap)
            tenant = self.tenants[name]
            # Everything that decides a training admission, folded into one bound on its units.
            room = min(self.free, tenant.limits.total - tenant.used, self.reserve_room(tenant))
            admitted = next(
                (w for w in tenant.queue if w.kind == TRAINING and w.units <= room), None
            )
            if admitted is not None:
                self._admit(tenant, admitted, hour, "borrow")
                heapq.heappush(heap, (tenant.borrowed, name))

    # --- bookkeeping ------------------------------------------------------------------------

    def _admit(self, tenant, work, hour, reason):
        tenant.dequeue(work)
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
        tenant.enqueue(work)
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
            room = tenant.limits.guarantee - tenant.used
            if any(w.units <= room for w in tenant.queue):
                result.append((tenant.name, lent_out - tenant.borrowed > 0))
        return result


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
