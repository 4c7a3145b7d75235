"""Rules the database enforces, asked before a write so that a person gets a sentence rather
than an integrity error."""

from django.core.exceptions import ValidationError


def constraint_refuses(instance, name):
    """Whether the model's constraint ``name`` refuses ``instance`` as it stands. The rule is
    written once, in the model's ``Meta``: the database enforces it on every write, and a
    service asks it here first to phrase the refusal for the field a person filled in."""
    model = type(instance)
    constraint = next(c for c in model._meta.constraints if c.name == name)
    try:
        constraint.validate(model, instance)
    except ValidationError:
        return True
    return False
