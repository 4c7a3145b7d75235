from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

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


@register.filter
def percent(share):
    """0.0339 → "3.4%"."""
    if share is None:
        return "—"
    return f"{float(share) * 100:.1f}%"


@register.filter
def number(value):
    """A statistic shown compactly: 1538.7761 → "1,538.78"; None → "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return (
            f"{value:,.0f}"
            if abs(value) >= 1e5
            else f"{value:,.4g}"
            if abs(value) < 1
            else f"{value:,.2f}"
        )
    return value


@register.simple_tag
def histogram_svg(bins, label=""):
    """Bars for a histogram's counts: a small inline SVG, no script, no library."""
    if not bins:
        return ""
    top = max(b["count"] for b in bins) or 1
    width, height = 4 * len(bins), 32
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="3" height="{}"><title>{} – {}: {}</title></rect>',
        (
            (
                4 * i,
                height - round(height * b["count"] / top),
                round(height * b["count"] / top),
                f"{b['from']:.4g}",
                f"{b['to']:.4g}",
                b["count"],
            )
            for i, b in enumerate(bins)
        ),
    )
    return format_html(
        '<svg class="histogram" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}">{}</svg>',
        width,
        height,
        width * 2,
        height,
        label,
        bars,
    )


@register.simple_tag
def weekly_svg(shares):
    """Used share per week as small bars (0–100 %)."""
    if not shares:
        return ""
    height = 28
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="8" height="{}"><title>{}</title></rect>',
        (
            (
                10 * i,
                height - round(height * min(1.0, s)),
                round(height * min(1.0, s)),
                f"{s * 100:.0f}%",
            )
            for i, s in enumerate(shares)
        ),
    )
    return format_html(
        '<svg class="histogram" viewBox="0 0 {} {}" width="{}" height="{}" role="img">{}</svg>',
        10 * len(shares),
        height,
        10 * len(shares),
        height,
        bars,
    )


@register.filter
def metric_name(code):
    """``roc_auc`` → "ROC-AUC (telling cases apart)", in the page's language."""
    from diagnosis import metric_words

    return metric_words.metric_name(code)


@register.filter
def model_name(code):
    from diagnosis import metric_words

    return metric_words.model_name(code)


@register.filter
def task_name(code):
    from diagnosis import metric_words

    return metric_words.task_name(code)


@register.simple_tag
def metric_sentence(code, value):
    from diagnosis import metric_words

    return metric_words.metric_sentence(code, value)


DELIMITERS = {
    "comma": gettext_lazy("comma"),
    "semicolon": gettext_lazy("semicolon"),
    "tab": gettext_lazy("tab"),
    "pipe": gettext_lazy("vertical bar"),
}
TRUTH = {"True": gettext_lazy("yes"), "False": gettext_lazy("no")}


@register.filter
def delimiter_words(name):
    return DELIMITERS.get(name, name)


@register.filter
def shown_value(value):
    """A profiled value as a person reads it: a yes/no column's True and False in words."""
    if isinstance(value, bool):
        value = str(value)
    return TRUTH.get(value, value) if isinstance(value, str) else value


COLUMN_TYPES = {
    "number": gettext_lazy("number"),
    "category": gettext_lazy("category"),
    "boolean": gettext_lazy("yes/no"),
}
ALGORITHMS = {
    "RandomForestClassifier": gettext_lazy("random forest"),
    "RandomForestRegressor": gettext_lazy("random forest"),
    "HistGradientBoostingClassifier": gettext_lazy("gradient-boosted trees"),
    "HistGradientBoostingRegressor": gettext_lazy("gradient-boosted trees"),
    "GradientBoostingClassifier": gettext_lazy("gradient-boosted trees"),
    "GradientBoostingRegressor": gettext_lazy("gradient-boosted trees"),
    "LogisticRegression": gettext_lazy("linear model"),
    "Ridge": gettext_lazy("linear model"),
    "LinearRegression": gettext_lazy("linear model"),
    "MLPClassifier": gettext_lazy("small neural network"),
    "MLPRegressor": gettext_lazy("small neural network"),
    "IsolationForest": gettext_lazy("isolation forest (finds unusual rows)"),
    "DecisionTreeClassifier": gettext_lazy("decision tree"),
    "DecisionTreeRegressor": gettext_lazy("decision tree"),
}


@register.filter
def column_type(code):
    return COLUMN_TYPES.get(code, code)


@register.filter
def algorithm_name(name):
    """scikit-learn's class name in words; an unknown one as it is."""
    return ALGORITHMS.get(name, name)
