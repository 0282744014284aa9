"""The Python names of the C API's enumerations (``match="prefix"`` for ``ZW_MATCH_PREFIX``, ...)."""

from ._loader import lib

SERIALIZERS = {
    "default": lib.ZW_SERIALIZER_DEFAULT,
    "json": lib.ZW_SERIALIZER_JSON,
    "msgpack": lib.ZW_SERIALIZER_MSGPACK,
    "cbor": lib.ZW_SERIALIZER_CBOR,
    "flatbuffers": lib.ZW_SERIALIZER_FLATBUFFERS,
}
MATCH = {"exact": lib.ZW_MATCH_EXACT, "prefix": lib.ZW_MATCH_PREFIX, "wildcard": lib.ZW_MATCH_WILDCARD}
INVOKE = {
    "single": lib.ZW_INVOKE_SINGLE,
    "roundrobin": lib.ZW_INVOKE_ROUNDROBIN,
    "random": lib.ZW_INVOKE_RANDOM,
    "first": lib.ZW_INVOKE_FIRST,
    "last": lib.ZW_INVOKE_LAST,
}
CANCEL_MODES = {"skip": lib.ZW_CANCEL_SKIP, "kill": lib.ZW_CANCEL_KILL, "killnowait": lib.ZW_CANCEL_KILLNOWAIT}


def choice(table, value, what):
    """``table[value]``, or a ``ValueError`` listing the names ``what`` may have."""
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"{what} is one of {', '.join(map(repr, table))}, not {value!r}") from None
