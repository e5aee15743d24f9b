"""Dashboard widgets of deals; registered from sales.apps."""


def register() -> None:
    pass
