#include "core/crypto.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mashang::crypto {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u * 1024u * 1024u;

}  // namespace

void init() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string random_bytes(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return raw;
}

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string random_token(size_t bytes) { return base64url(random_bytes(bytes)); }

std::string hash_password(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw Fault(Errc::internal, "argon2id: out of memory");
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  std::string h(hash);  // needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string token_hash(std::string_view token) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return to_hex(out, sizeof out);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state st;
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, out);
  return to_hex(out, sizeof out);
}

bool equal_ct(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<Keyring> Keyring::load_or_create(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent, ec);
    unsigned char key[32];
    randombytes_buf(key, sizeof key);
    std::string hex = to_hex(key, sizeof key);
    sodium_memzero(key, sizeof key);
    mode_t old = umask(077);
    std::ofstream f(path, std::ios::trunc);
    f << hex << "\n";
    f.close();
    umask(old);
    if (!f) return make_error(Errc::internal, "cannot write key file " + path);
  }
  std::ifstream f(path);
  std::string hex;
  f >> hex;
  if (hex.size() != 64) return make_error(Errc::internal, "key file " + path + " must hold 64 hex characters");
  return from_hex(hex);
}

Keyring Keyring::from_hex(std::string_view hex) {
  Keyring k;
  k.master_.resize(32);
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(k.master_.data()), 32, hex.data(), hex.size(), nullptr, &len,
                     nullptr) != 0 ||
      len != 32)
    throw std::invalid_argument("master key must be 64 hex characters");
  return k;
}

std::string Keyring::seal(std::string_view plaintext) const {
  std::string buf(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), nonce, reinterpret_cast<const unsigned char*>(master_.data()));
  std::string out(sodium_base64_ENCODED_LEN(buf.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), nonce, buf.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> Keyring::open(std::string_view sealed) const {
  std::string buf(sealed.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(buf.data()), buf.size(), sealed.data(), sealed.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return make_error(Errc::internal, "sealed value is not valid base64");
  auto* nonce = reinterpret_cast<const unsigned char*>(buf.data());
  std::string out(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, nonce,
                                 reinterpret_cast<const unsigned char*>(master_.data())) != 0)
    return make_error(Errc::internal, "sealed value failed authentication");
  return out;
}

std::string Keyring::blind_index(std::string_view purpose, std::string_view value) const {
  unsigned char subkey[32];
  char ctx[crypto_kdf_CONTEXTBYTES] = {};
  std::memcpy(ctx, purpose.data(), std::min(purpose.size(), sizeof ctx));
  crypto_kdf_derive_from_key(subkey, sizeof subkey, 1, ctx, reinterpret_cast<const unsigned char*>(master_.data()));
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(value.data()), value.size(), subkey,
                     sizeof subkey);
  sodium_memzero(subkey, sizeof subkey);
  return to_hex(out, sizeof out);
}

std::string Keyring::mac(std::string_view purpose, std::string_view value, size_t bytes) const {
  if (bytes < crypto_generichash_BYTES_MIN || bytes > crypto_generichash_BYTES_MAX)
    throw Fault(Errc::internal, "mac: unsupported length");
  unsigned char subkey[32];
  char ctx[crypto_kdf_CONTEXTBYTES] = {};
  std::memcpy(ctx, purpose.data(), std::min(purpose.size(), sizeof ctx));
  crypto_kdf_derive_from_key(subkey, sizeof subkey, 1, ctx, reinterpret_cast<const unsigned char*>(master_.data()));
  std::string out(bytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), bytes,
                     reinterpret_cast<const unsigned char*>(value.data()), value.size(), subkey, sizeof subkey);
  sodium_memzero(subkey, sizeof subkey);
  return out;
}

}  // namespace mashang::crypto
