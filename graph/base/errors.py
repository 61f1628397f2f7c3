"""The errors peerkg raises for things a user can fix, as opposed to bugs.

Every :class:`PeerkgError` carries a message that says what went wrong, where, and what to do
next; the command line prints it without a traceback and exits with :attr:`exit_code`
(documented in the README): 1 when data does not conform, 2 for usage or input errors.
"""


class PeerkgError(Exception):
    """Base class of user-facing errors."""

    exit_code = 2


class InputError(PeerkgError):
    """Bad input: a study package, an RDF file, a query or a parameter.

    ``where`` names the place as precisely as is known, for example
    ``quotes.csv, row 7, field 'site'``; it starts the message.
    """

    def __init__(self, message: str, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class NotConforming(PeerkgError):
    """Data that parses but breaks a SHACL shape or the ontology (OWL inconsistency)."""

    exit_code = 1

    def __init__(self, message: str, report: str = ""):
        self.report = report
        super().__init__(message + (f"\n{report}" if report else ""))


class StoreError(PeerkgError):
    """The store cannot be opened or reached, or refused an operation."""


class QueryError(InputError):
    """A SPARQL query the engine rejects (syntax or evaluation error)."""
