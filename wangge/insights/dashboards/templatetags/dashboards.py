from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.9234 → "92.3%"; no value (nothing to divide by) → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def hours(value) -> str:
    return "—" if value is None else f"{value:.1f}"
