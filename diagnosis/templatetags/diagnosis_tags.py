from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ answers|get_item:code }}``: a dict lookup by a variable key."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def localised(text, language):
    """A questionnaire text in the page's language (``{ko, en}`` content)."""
    return text.get(language) if hasattr(text, "ko") else text
