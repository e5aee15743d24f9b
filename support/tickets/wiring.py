"""What support.tickets plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    pass
