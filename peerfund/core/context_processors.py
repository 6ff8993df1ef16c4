"""Template context for every page (filled by the emergency-switches work)."""


def emergency_switches(request):
    return {}
