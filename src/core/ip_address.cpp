#include "core/ip_address.hpp"

#include <arpa/inet.h>

namespace minewatch {

bool IpAddress::parse(std::string_view text, IpAddress& out) {
  char buf[64];
  if (text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    out = a;
    return true;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.is_v6 = true;
    out = a;
    return true;
  }
  return false;
}

std::size_t IpAddress::format(char* buf) const {
  if (inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buf, 46) == nullptr) {
    buf[0] = '\0';
    return 0;
  }
  return std::strlen(buf);
}

std::string IpAddress::to_string() const {
  char buf[46];
  return {buf, format(buf)};
}

}  // namespace minewatch
