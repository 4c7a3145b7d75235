"""What the apps above the Desk plug into it.

The Desk is the bottom layer: Deployment imports it, Diagnosis imports both, and the Desk
imports neither. Yet the dashboard shows steps of the journey that those apps run, an
application for quota carries the company's diagnosis as evidence, and ``seed_demo`` fills in
every app's demo data. Each app hands its part over from its ``AppConfig.ready()``, the way
apps register their models with the admin site, so every import points down the layers."""

# Journey step key ("diagnose", "match", ...) -> function company -> (state, url, status).
_journey_steps = {}
# Functions company -> dict of evidence, merged in registration order.
_evidence_sources = []
# Functions that fill in an app's demo data; run in registration order (INSTALLED_APPS order,
# so a lower layer's data is in place before a higher one's).
_demo_seeders = []


def register_journey_step(key, provider):
    _journey_steps[key] = provider


def journey_step(key):
    """The provider of a journey step, or None while no app provides it."""
    return _journey_steps.get(key)


def register_application_evidence(source):
    if source not in _evidence_sources:
        _evidence_sources.append(source)


def application_evidence(company):
    """What an application of ``company`` carries as evidence, from every app that offers
    some (the latest diagnosis, the chosen match)."""
    evidence = {}
    for source in _evidence_sources:
        evidence.update(source(company))
    return evidence


# Functions (application, report month) -> dict of measured facts, merged in order.
_report_facts = []
# Function (company, programme) -> suggested plan or None (see diagnosis.evidence).
_plan_suggestion = [None]
# Accelerator flavor code -> the words a person reads ("Rebellions ATOM (NPU)").
_flavor_labels = {}


def register_plan_suggestion(suggest):
    _plan_suggestion[0] = suggest


def plan_suggestion(company, programme):
    """What an application to ``programme`` might ask for, or None while nobody suggests."""
    suggest = _plan_suggestion[0]
    return suggest(company, programme) if suggest else None


def register_report_facts(source):
    if source not in _report_facts:
        _report_facts.append(source)


def report_facts(application, month):
    """What a progress report's period achieved, measured (see deployment.programmes.outcomes)."""
    facts = {}
    for source in _report_facts:
        facts.update(source(application, month))
    return facts


def register_flavor_labels(labels):
    _flavor_labels.update(labels)


def flavor_label(code):
    """The flavor's name for people; the code itself for one nobody registered."""
    return str(_flavor_labels.get(code, code))


def register_demo_seeder(seeder):
    if seeder not in _demo_seeders:
        _demo_seeders.append(seeder)


def demo_seeders():
    return list(_demo_seeders)
