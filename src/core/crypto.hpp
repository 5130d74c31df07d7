#pragma once
//! Cryptography through libsodium only: passwords, tokens, personal-data sealing.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace mashang::crypto {

//! Must run once before any other function here (safe to call again).
void init();

//! `bytes` random bytes from the CSPRNG, base64url without padding.
std::string random_token(size_t bytes = 32);

//! argon2id hash in libsodium's self-describing string form (t=2, m=19 MiB, OWASP 2023).
std::string hash_password(std::string_view password);

//! True when `password` matches `hash`. Constant time in the password.
bool verify_password(std::string_view hash, std::string_view password);

//! BLAKE2b-256 of a session or API token, hex. Tokens are stored only in this form.
std::string token_hash(std::string_view token);

//! `bytes` raw random bytes from the CSPRNG.
std::string random_bytes(size_t bytes);

//! base64url without padding, and back (nullopt for anything that is not exactly that).
std::string base64url(std::string_view bytes);
std::optional<std::string> from_base64url(std::string_view text);

//! HMAC-SHA256 of `message` under `key` (any length), hex: for signing what leaves the server.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

//! Constant-time equality of two strings of equal length (false when lengths differ).
bool equal_ct(std::string_view a, std::string_view b);

//! Secret keys for personal data, loaded from a key file outside the database.
//! Sealing: XSalsa20-Poly1305 (secretbox) with a random nonce. Blind index: keyed BLAKE2b
//! with a subkey per purpose, so equal values can be looked up without decrypting.
class Keyring {
 public:
  //! Reads the key file; creates it (mode 0600, 32 random bytes, hex) when missing.
  static Result<Keyring> load_or_create(const std::string& path);
  //! A keyring from a fixed master key (hex, 64 chars) — for tests.
  static Keyring from_hex(std::string_view hex);

  //! base64(nonce || ciphertext).
  std::string seal(std::string_view plaintext) const;
  //! Inverse of seal; an error when the data was altered or sealed with another key.
  Result<std::string> open(std::string_view sealed) const;
  //! Deterministic keyed hash of `value` for lookups, hex, separate per `purpose` (≤ 8 chars).
  std::string blind_index(std::string_view purpose, std::string_view value) const;
  //! Keyed BLAKE2b of `value` with the subkey of `purpose` (≤ 8 chars): `bytes` (16–64) raw
  //! bytes, for signing short tokens.
  std::string mac(std::string_view purpose, std::string_view value, size_t bytes) const;

 private:
  std::string master_;  // 32 raw bytes
};

}  // namespace mashang::crypto
