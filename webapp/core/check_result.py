"""What one check of ``flask check`` answers: ok, a warning, or a problem.

Its own module so that the checks split over several modules (checks.py,
address_checks.py, other packages' checks) share it without an import circle.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``problem`` is None when all is well.

    ``warning`` marks a result that is not a problem (the site can start) but
    that the owner should read: ``flask check`` prints it as a ``warning:``
    line and still passes.
    """

    name: str
    detail: str
    problem: str | None = None
    warning: bool = False

    @property
    def ok(self):
        """True when the check found nothing that stops the site."""
        return self.problem is None


def fail(name, problem):
    """A failed check's result."""
    return Result(name, problem, problem)


def warn(name, text):
    """A result the site can start with, printed as a warning."""
    return Result(name, text, warning=True)
