"""The exception hierarchy: one root, input errors are also ValueErrors."""


class AskDocsError(Exception):
    """Root of every error askdocs raises on purpose."""


class InputError(AskDocsError, ValueError):
    """The user gave something unusable: an empty question, a missing folder."""


class IndexMissingError(AskDocsError):
    """There is no index where one was expected."""


class IndexMismatchError(AskDocsError):
    """The index was built with another model or format version."""


class IndexCorruptError(AskDocsError):
    """An index file is damaged or inconsistent with the manifest."""


class IndexBusyError(AskDocsError):
    """Another process is building the same index."""


class IndexAccessError(AskDocsError):
    """An index folder or file cannot be read or written: permissions, or not a folder."""
