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
  if (!is_v6) {
    // Dotted quad by hand: inet_ntop formats it through sprintf, about 2,000 instructions an address.
    char* p = buf;
    for (std::size_t i = 0; i < 4; ++i) {
      const unsigned v = bytes[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
      *p++ = '.';
    }
    *--p = '\0';
    return static_cast<std::size_t>(p - buf);
  }
  if (inet_ntop(AF_INET6, bytes.data(), buf, 46) == nullptr) {
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
