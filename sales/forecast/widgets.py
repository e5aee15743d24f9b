"""Dashboard widgets of this part of sales; registered from sales.apps."""


def register() -> None:
    pass
