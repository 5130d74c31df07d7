#include "core/personal.hpp"

#include "core/idcard.hpp"
#include "core/text.hpp"

namespace mashang::personal {

std::string phone_index(const crypto::Keyring& keys, const std::string& normalized_phone) {
  return keys.blind_index("phone", normalized_phone);
}

Result<Sealed> seal_phone(const crypto::Keyring& keys, std::string_view raw) {
  auto phone = text::normalize_phone(raw);
  if (!phone) return make_error(Errc::invalid_input, "phone must be a mainland mobile number (11 digits)", "phone");
  return Sealed{phone_index(keys, *phone), keys.seal(*phone), text::mask_phone(*phone)};
}

std::string id_card_index(const crypto::Keyring& keys, const std::string& number) {
  return keys.blind_index("idcard", number);
}

Sealed seal_id_card(const crypto::Keyring& keys, const std::string& number) {
  return Sealed{id_card_index(keys, number), keys.seal(number), idcard::mask(number)};
}

}  // namespace mashang::personal
