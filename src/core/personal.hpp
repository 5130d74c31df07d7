#pragma once
//! Personal data at rest: one way to seal a phone or an ID card number for every module —
//! the sealed value (secretbox), a keyed blind index for lookups, and the masked form that
//! answers show. Raw values never go further than this and the reveal paths.
#include <string>

#include "core/crypto.hpp"
#include "core/error.hpp"

namespace mashang::personal {

struct Sealed {
  std::string index;   //!< blind index (per kind), for equality lookups
  std::string sealed;  //!< base64(nonce || ciphertext)
  std::string masked;  //!< "138****5678", "152701********1234"
};

//! A mainland mobile number in any common spelling; 422 (field "phone") otherwise.
Result<Sealed> seal_phone(const crypto::Keyring& keys, std::string_view raw);
//! A normalised, validated ID card number (see idcard::parse).
Sealed seal_id_card(const crypto::Keyring& keys, const std::string& number);
//! The blind index an ID card number is found by (the same as seal_id_card's), without
//! sealing it: for lookups.
std::string id_card_index(const crypto::Keyring& keys, const std::string& number);
//! The blind index a phone number is found by (the same as seal_phone's).
std::string phone_index(const crypto::Keyring& keys, const std::string& normalized_phone);

}  // namespace mashang::personal
