//! The strings that the schema's `uint8` enums stand for in Details and Options: the pairs of
//! enum value and attribute value, as autobahn-python maps them (and for `ppt_cipher`, which
//! autobahn does not map, as the WAMP spec names the ciphers).

/// One enum field and the attribute strings its values stand for.
pub(super) struct Names {
    /// The schema's field name, for error messages.
    pub(super) field: &'static str,
    /// Value and the string it stands for; values not listed have no name.
    pairs: &'static [(u8, &'static str)],
}

impl Names {
    /// The string `value` stands for.
    pub(super) fn name(&self, value: u8) -> Option<&'static str> {
        self.pairs
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, n)| *n)
    }

    /// The value standing for `name`.
    pub(super) fn value(&self, name: &str) -> Option<u8> {
        self.pairs.iter().find(|(_, n)| *n == name).map(|(v, _)| *v)
    }
}

/// `ppt_scheme`, read and written as autobahn's `enc_algo` (0, NONE, has no name).
pub(super) const PPT_SCHEME: Names = Names {
    field: "ppt_scheme",
    pairs: &[(1, "cryptobox"), (2, "mqtt"), (3, "xbr")],
};

/// `ppt_serializer`, read and written as autobahn's `enc_serializer` (0, "same as the
/// transport", has no name).
pub(super) const PPT_SERIALIZER: Names = Names {
    field: "ppt_serializer",
    pairs: &[
        (1, "json"),
        (2, "msgpack"),
        (3, "cbor"),
        (4, "ubjson"),
        (5, "opaque"),
        (6, "flatbuffers"),
    ],
};

/// `ppt_cipher`, read and written as the spec's `ppt_cipher`.
pub(super) const PPT_CIPHER: Names = Names {
    field: "ppt_cipher",
    pairs: &[(1, "xsalsa20poly1305"), (2, "aes256gcm")],
};

/// `match` of SUBSCRIBE and REGISTER.
pub(super) const MATCH: Names = Names {
    field: "match",
    pairs: &[(0, "exact"), (1, "prefix"), (2, "wildcard")],
};

/// `invoke` of REGISTER.
pub(super) const INVOKE: Names = Names {
    field: "invoke",
    pairs: &[
        (0, "single"),
        (1, "first"),
        (2, "last"),
        (3, "roundrobin"),
        (4, "random"),
    ],
};

/// `mode` of CANCEL and INTERRUPT.
pub(super) const CANCEL_MODE: Names = Names {
    field: "mode",
    pairs: &[(0, "skip"), (1, "kill"), (2, "killnowait")],
};

/// HELLO `authmethods`, WELCOME `authmethod` and CHALLENGE's method.
pub(super) const AUTH_METHOD: Names = Names {
    field: "authmethod",
    pairs: &[
        (0, "anonymous"),
        (1, "ticket"),
        (2, "wampcra"),
        (3, "wamp-scram"),
        (4, "cryptosign"),
    ],
};
