//! WAMP-Cryptosign: Ed25519 client authentication.
//!
//! The client announces its public key (`HELLO.Details.authextra.pubkey`, hex). The router sends
//! 32 random bytes as hex in `CHALLENGE.Extra.challenge`; the client signs them with its private
//! key and answers with `hex(signature || message)` — 64 + 32 bytes — as autobahn and crossbar do.
//!
//! TLS channel binding is optional: when the client asked for it (`authextra.channel_binding`,
//! e.g. `"tls-unique"`) and the router confirms it in the challenge, the signed message is the
//! challenge XOR the 32-byte TLS channel id, which both sides take from their TLS stack and pass
//! in here. Router authentication, trustroots and certificates are not implemented.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey as DalekSigningKey, VerifyingKey};

use super::{decode_hex_array, to_array, AuthError};

/// Length of the challenge and of the signed message, in bytes.
pub const CHALLENGE_LEN: usize = 32;
/// Length of a TLS channel id used for binding, in bytes.
pub const CHANNEL_ID_LEN: usize = 32;
/// Length of an Ed25519 signature, in bytes.
pub const SIGNATURE_LEN: usize = 64;
/// Length of the decoded `AUTHENTICATE.Signature`: signature followed by the signed message.
pub const SIGNED_MESSAGE_LEN: usize = SIGNATURE_LEN + CHALLENGE_LEN;

/// A TLS channel binding type (`authextra.channel_binding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelBinding {
    /// `"tls-unique"` (RFC 5929), what autobahn implements.
    TlsUnique,
    /// `"tls-exporter"` (RFC 9266), for TLS 1.3.
    TlsExporter,
}

impl ChannelBinding {
    /// The spec's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelBinding::TlsUnique => "tls-unique",
            ChannelBinding::TlsExporter => "tls-exporter",
        }
    }
}

impl fmt::Display for ChannelBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChannelBinding {
    type Err = AuthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [ChannelBinding::TlsUnique, ChannelBinding::TlsExporter]
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| AuthError::UnknownChannelBinding(s.to_owned()))
    }
}

/// An Ed25519 public key: what the router knows a client by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From 32 raw bytes; fails if they are not a point on the curve.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuthError> {
        let raw: [u8; 32] = to_array("cryptosign public key", bytes)?;
        VerifyingKey::from_bytes(&raw)
            .map(PublicKey)
            .map_err(|_| AuthError::InvalidPublicKey)
    }

    /// From 64 hex digits, as in `HELLO.Details.authextra.pubkey`.
    pub fn from_hex(text: &str) -> Result<Self, AuthError> {
        let raw: [u8; 32] = decode_hex_array("cryptosign public key", text)?;
        Self::from_bytes(&raw)
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Lower-case hex, as sent in `authextra.pubkey`.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// An Ed25519 private key (a 32-byte seed). `Debug` hides it; it is wiped from memory on drop.
#[derive(Clone)]
pub struct SigningKey(DalekSigningKey);

impl SigningKey {
    /// From the 32-byte seed (what autobahn calls `privkey`).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        SigningKey(DalekSigningKey::from_bytes(seed))
    }

    /// From a seed slice, which must be exactly 32 bytes.
    pub fn from_seed_slice(seed: &[u8]) -> Result<Self, AuthError> {
        Ok(Self::from_seed(&to_array("cryptosign private key", seed)?))
    }

    /// From the seed as 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, AuthError> {
        Ok(Self::from_seed(&decode_hex_array(
            "cryptosign private key",
            text,
        )?))
    }

    /// The matching public key, to announce in `HELLO.Details.authextra.pubkey`.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Client side: the `AUTHENTICATE.Signature` for `CHALLENGE.Extra.challenge` (hex). Pass the
    /// TLS channel id only when channel binding was requested and the challenge confirms it.
    pub fn respond(
        &self,
        challenge_hex: &str,
        channel_id: Option<&[u8]>,
    ) -> Result<String, AuthError> {
        let challenge: [u8; CHALLENGE_LEN] =
            decode_hex_array("cryptosign challenge", challenge_hex)?;
        let message = bind(&challenge, channel_id)?;
        let signature = self.0.sign(&message);
        let mut out = [0u8; SIGNED_MESSAGE_LEN];
        out[..SIGNATURE_LEN].copy_from_slice(&signature.to_bytes());
        out[SIGNATURE_LEN..].copy_from_slice(&message);
        Ok(hex::encode(out))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey(<redacted>, public {})",
            self.public_key().to_hex()
        )
    }
}

/// The message actually signed: the challenge, XORed with the channel id under channel binding.
fn bind(
    challenge: &[u8; CHALLENGE_LEN],
    channel_id: Option<&[u8]>,
) -> Result<[u8; CHALLENGE_LEN], AuthError> {
    let mut message = *challenge;
    if let Some(id) = channel_id {
        let id: [u8; CHANNEL_ID_LEN] = to_array("TLS channel id", id)?;
        for (m, c) in message.iter_mut().zip(id) {
            *m ^= c;
        }
    }
    Ok(message)
}

/// A router's pending cryptosign challenge: send [`challenge_hex`](Self::challenge_hex) in
/// `CHALLENGE.Extra.challenge` (with `channel_binding` when bound), then check the answer with
/// [`verify`](Self::verify) against the public key the client announced and the router knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    challenge: [u8; CHALLENGE_LEN],
    expected: [u8; CHALLENGE_LEN],
}

impl Challenge {
    /// From 32 random bytes drawn by the caller, and the TLS channel id when channel binding is
    /// in use.
    pub fn new(random: [u8; CHALLENGE_LEN], channel_id: Option<&[u8]>) -> Result<Self, AuthError> {
        Ok(Challenge {
            challenge: random,
            expected: bind(&random, channel_id)?,
        })
    }

    /// `CHALLENGE.Extra.challenge`: the 32 bytes as lower-case hex.
    pub fn challenge_hex(&self) -> String {
        hex::encode(self.challenge)
    }

    /// Checks the client's `AUTHENTICATE.Signature` against `key`. Rejects malformed hex or
    /// length, a message other than the (bound) challenge, and any signature that does not
    /// verify strictly (no small-order keys, no malleable signatures).
    pub fn verify(&self, key: &PublicKey, signature_hex: &str) -> Result<(), AuthError> {
        let (signature, message) = self.parse(signature_hex)?;
        Self::check(key, &signature, &message)
    }

    /// Like [`verify`](Self::verify), trying each of `keys` (e.g. all keys registered for an
    /// authid); returns the one that verified.
    pub fn verify_any<'k>(
        &self,
        keys: &'k [PublicKey],
        signature_hex: &str,
    ) -> Result<&'k PublicKey, AuthError> {
        let (signature, message) = self.parse(signature_hex)?;
        keys.iter()
            .find(|key| Self::check(key, &signature, &message).is_ok())
            .ok_or(AuthError::Denied)
    }

    fn parse(&self, signature_hex: &str) -> Result<(Signature, [u8; CHALLENGE_LEN]), AuthError> {
        let raw: [u8; SIGNED_MESSAGE_LEN] =
            decode_hex_array("cryptosign signature", signature_hex)?;
        let (sig, message) = raw.split_at(SIGNATURE_LEN);
        if message != self.expected {
            return Err(AuthError::WrongChallenge);
        }
        let sig: [u8; SIGNATURE_LEN] = to_array("cryptosign signature", sig)?;
        Ok((Signature::from_bytes(&sig), self.expected))
    }

    fn check(
        key: &PublicKey,
        signature: &Signature,
        message: &[u8; CHALLENGE_LEN],
    ) -> Result<(), AuthError> {
        key.0
            .verify_strict(message, signature)
            .map_err(|_| AuthError::Denied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's WAMP-Cryptosign test vectors (`channel_id`, `private_key`, `challenge`,
    /// `signature`), re-checked with Python's `cryptography` package (Ed25519PrivateKey.sign).
    const SPEC_VECTORS: [(Option<&str>, &str, &str, &str); 6] = [
        (
            None,
            "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "b32675b221f08593213737bef8240e7c15228b07028e19595294678c90d11c0cae80a357331bfc5cc9fb71081464e6e75013517c2cf067ad566a6b7b728e5d03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        ),
        (
            None,
            "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
            "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
            "d4209ad10d5aff6bfbc009d7e924795de138a63515efc7afc6b01b7fe5201372190374886a70207b042294af5bd64ce725cd8dceb344e6d11c09d1aaaf4d660fb26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
        ),
        (
            None,
            "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
            "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
            "7beb282184baadd08f166f16dd683b39cab53816ed81e6955def951cb2ddad1ec184e206746fd82bda075af03711d3d5658fc84a76196b0fa8d1ebc92ef9f30bb05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "9b6f41540c9b95b4b7b281c3042fa9c54cef43c842d62ea3fd6030fcb66e70b3e80d49d44c29d1635da9348d02ec93f3ed1ef227dfb59a07b580095c2b82f80f9d16ca518aa0c2b707f2b2a609edeca73bca8dd59817a633f35574ac6fd80d00",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "d511fe78e23934b3dadb52fcd022974b80bd92bccc7c5cf404e46cc0a8a2f5cd",
            "b26c1f87c13fc1da14997f1b5a71995dff8fbe0a62fae8473c7bdbd05bfb607d",
            "305aaa3ac25e98f651427688b3fc43fe7d8a68a7ec1d7d61c61517c519bd4a427c3015599d83ca28b4c652333920223844ef0725eb5dc2febfd6af7677b73f01d0852a29b460fc92ec943242ac638a053bbacc200512b18b30d15083cbdc9282",
        ),
        (
            Some("62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff"),
            "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
            "b05e6b8ad4d69abf74aa3be3c0ee40ae07d66e1895b9ab09285a2f1192d562d2",
            "ee3c7644fd8070532bc1fde3d70d742267da545d8c8f03e63bda63f1ad4214f4d2c4bfdb4eb9526def42deeb7e31602a6ff99eba893e0a4ad4d45892ca75e608d2b75e24a189a7f78ca776ba36fc53f6c3e31c32f251f2c524f0a44202f2902d",
        ),
    ];

    fn decode32(text: &str) -> [u8; 32] {
        decode_hex_array("test", text).unwrap()
    }

    #[test]
    fn spec_vectors_sign() {
        for (channel_id, private_key, challenge, signature) in SPEC_VECTORS {
            let key = SigningKey::from_hex(private_key).unwrap();
            let cid = channel_id.map(decode32);
            let answer = key
                .respond(challenge, cid.as_ref().map(|c| &c[..]))
                .unwrap();
            assert_eq!(answer, signature, "key {private_key}");
        }
    }

    #[test]
    fn spec_vectors_verify_on_the_router() {
        for (channel_id, private_key, challenge, signature) in SPEC_VECTORS {
            let public = SigningKey::from_hex(private_key).unwrap().public_key();
            let cid = channel_id.map(decode32);
            let c = Challenge::new(decode32(challenge), cid.as_ref().map(|c| &c[..])).unwrap();
            assert_eq!(c.challenge_hex(), challenge);
            assert_eq!(c.verify(&public, signature), Ok(()), "key {private_key}");
            // Upper-case hex is accepted too.
            assert_eq!(c.verify(&public, &signature.to_uppercase()), Ok(()));
        }
    }

    #[test]
    fn rfc8032_key_and_python_signature() {
        // RFC 8032 section 7.1, TEST 1: seed → public key.
        let key = SigningKey::from_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        assert_eq!(
            key.public_key().to_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        // Signature over bytes 0x00..0x1f, from Python's `cryptography` Ed25519PrivateKey.sign.
        let challenge: [u8; 32] = std::array::from_fn(|i| i as u8);
        let answer = key.respond(&hex::encode(challenge), None).unwrap();
        assert_eq!(
            answer,
            "00c1db988bb12fd7351a6054ae3fac90fab7e4fc56b1651c7181f5f55f896f663933d3a90605d9058e9d0ac45950ee2d3c9c9b14857415587179fe0ccac35f09000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        );
        // Public keys of the spec's vector keys, from the same library.
        let pairs = [
            (
                "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
                "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d",
            ),
            (
                "6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b",
                "28e11f427b82b9a625ee7ac89a7d29326b505f2dc11dd88c1245f83b6da79a85",
            ),
        ];
        for (seed, public) in pairs {
            let key = SigningKey::from_hex(seed).unwrap();
            assert_eq!(key.public_key(), PublicKey::from_hex(public).unwrap());
            assert_eq!(
                SigningKey::from_seed_slice(&decode32(seed))
                    .unwrap()
                    .public_key()
                    .to_bytes(),
                decode32(public)
            );
        }
    }

    #[test]
    fn router_rejects_wrong_answers() {
        let (_, private_key, challenge, signature) = SPEC_VECTORS[0];
        let public = SigningKey::from_hex(private_key).unwrap().public_key();
        let other = SigningKey::from_hex(SPEC_VECTORS[1].1)
            .unwrap()
            .public_key();
        let c = Challenge::new(decode32(challenge), None).unwrap();

        // Right signature, wrong key.
        assert_eq!(c.verify(&other, signature), Err(AuthError::Denied));
        // One bit of the signature flipped.
        let mut raw = hex::decode(signature).unwrap();
        raw[10] ^= 1;
        assert_eq!(
            c.verify(&public, &hex::encode(&raw)),
            Err(AuthError::Denied)
        );
        // A valid answer to a different challenge (replay).
        let (_, _, _, replay) = SPEC_VECTORS[1];
        assert_eq!(c.verify(&public, replay), Err(AuthError::WrongChallenge));
        // The unbound answer when the router bound the challenge to a channel.
        let cid = decode32(SPEC_VECTORS[3].0.unwrap());
        let bound = Challenge::new(decode32(challenge), Some(&cid)).unwrap();
        assert_eq!(
            bound.verify(&public, signature),
            Err(AuthError::WrongChallenge)
        );
    }

    #[test]
    fn verify_any_finds_the_signing_key() {
        let (_, private_key, challenge, signature) = SPEC_VECTORS[2];
        let keys: Vec<PublicKey> = SPEC_VECTORS[..3]
            .iter()
            .map(|v| SigningKey::from_hex(v.1).unwrap().public_key())
            .collect();
        let c = Challenge::new(decode32(challenge), None).unwrap();
        let found = c.verify_any(&keys, signature).unwrap();
        assert_eq!(
            *found,
            SigningKey::from_hex(private_key).unwrap().public_key()
        );
        assert_eq!(c.verify_any(&keys[..2], signature), Err(AuthError::Denied));
        assert_eq!(c.verify_any(&[], signature), Err(AuthError::Denied));
    }

    #[test]
    fn malformed_input_gives_clear_errors() {
        let key = SigningKey::from_seed(&[1; 32]);
        let ok_challenge = "ff".repeat(32);
        assert_eq!(
            key.respond("xyz", None),
            Err(AuthError::InvalidHex {
                field: "cryptosign challenge"
            })
        );
        assert_eq!(
            key.respond(&"ff".repeat(31), None),
            Err(AuthError::InvalidLength {
                field: "cryptosign challenge",
                expected: 32,
                actual: 31
            })
        );
        assert_eq!(
            key.respond(&ok_challenge, Some(&[0; 16])),
            Err(AuthError::InvalidLength {
                field: "TLS channel id",
                expected: 32,
                actual: 16
            })
        );
        assert!(matches!(
            Challenge::new([0; 32], Some(&[])),
            Err(AuthError::InvalidLength { .. })
        ));
        let c = Challenge::new([0; 32], None).unwrap();
        let public = key.public_key();
        assert!(matches!(
            c.verify(&public, "not hex"),
            Err(AuthError::InvalidHex { .. })
        ));
        assert!(matches!(
            c.verify(&public, &"00".repeat(64)),
            Err(AuthError::InvalidLength {
                expected: 96,
                actual: 64,
                ..
            })
        ));
        assert!(SigningKey::from_hex("00").is_err());
        assert!(SigningKey::from_seed_slice(&[0; 33]).is_err());
        assert!(PublicKey::from_hex(&"0".repeat(63)).is_err());
        assert!(matches!(
            PublicKey::from_bytes(&[0; 31]),
            Err(AuthError::InvalidLength { .. })
        ));
    }

    #[test]
    fn invalid_points_are_rejected() {
        // y = 2 is not the y-coordinate of any curve point (the decompression square root
        // fails), so these bytes are no public key.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        assert_eq!(
            PublicKey::from_bytes(&bytes),
            Err(AuthError::InvalidPublicKey)
        );
    }

    #[test]
    fn small_order_keys_never_verify() {
        // The identity point (y = 1) is a valid encoding but of small order: with it, the
        // all-identity "signature" R = identity, S = 0 would verify under plain Ed25519.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = PublicKey::from_bytes(&identity).unwrap();
        let c = Challenge::new([9; 32], None).unwrap();
        let mut forged = [0u8; SIGNED_MESSAGE_LEN];
        forged[0] = 1; // R = identity
        forged[SIGNATURE_LEN..].copy_from_slice(&[9; 32]);
        assert_eq!(
            c.verify(&weak, &hex::encode(forged)),
            Err(AuthError::Denied)
        );
    }

    #[test]
    fn names_and_debug() {
        for b in [ChannelBinding::TlsUnique, ChannelBinding::TlsExporter] {
            assert_eq!(b.as_str().parse::<ChannelBinding>(), Ok(b));
            assert_eq!(b.to_string(), b.as_str());
        }
        assert_eq!(
            "tls-server-end-point".parse::<ChannelBinding>(),
            Err(AuthError::UnknownChannelBinding(
                "tls-server-end-point".into()
            ))
        );
        let key = SigningKey::from_hex(SPEC_VECTORS[0].1).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(SPEC_VECTORS[0].1), "{shown}");
        assert!(shown.contains("1adfc8bf"), "{shown}");
    }
}
