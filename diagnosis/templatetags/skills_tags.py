from django import template

from diagnosis.models import SkillLevel

register = template.Library()


@register.filter
def level_name(level):
    """2 → "Does it in daily work"."""
    try:
        return SkillLevel(int(level)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def role_level(profile, role):
    """``{{ profile|role_level:role.code }}``: a person's level in a role."""
    return profile.levels.get(role, 0)


@register.inclusion_tag("skills/partials/change.html", takes_context=True)
def skills_change(context, assessment, previous):
    """The skills change since the previous stage, for the report of a later stage."""
    from diagnosis.skills.change import skills_change as build

    return {
        "change": build(company=assessment.company, earlier=previous, later=assessment),
        "consultant": context.get("consultant", False),
        "company": assessment.company,
    }
